// Reads what `n8n export:entities` writes: entities.zip, one JSONL file per table, each line
// encrypted with the instance's encryption key the way n8n's Cipher does it (CryptoJS AES with a
// passphrase: OpenSSL "Salted__" format, EVP_BytesToKey with MD5, AES-256-CBC). Node built-ins only.
import { createDecipheriv, createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { inflateRawSync } from 'node:zlib';

/** The files of a zip archive: [{name, data}] (stored or deflated entries). */
export function unzip(file) {
	const zip = readFileSync(file);
	const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
	if (eocd < 0) throw new Error(`${file} is not a zip archive`);
	const count = zip.readUInt16LE(eocd + 10);
	let offset = zip.readUInt32LE(eocd + 16);
	const entries = [];
	for (let i = 0; i < count; i++) {
		if (zip.readUInt32LE(offset) !== 0x02014b50) throw new Error(`${file}: bad central directory`);
		const method = zip.readUInt16LE(offset + 10);
		const compressedSize = zip.readUInt32LE(offset + 20);
		const nameLength = zip.readUInt16LE(offset + 28);
		const extraLength = zip.readUInt16LE(offset + 30);
		const commentLength = zip.readUInt16LE(offset + 32);
		const localOffset = zip.readUInt32LE(offset + 42);
		const name = zip.toString('utf8', offset + 46, offset + 46 + nameLength);
		const start =
			localOffset + 30 + zip.readUInt16LE(localOffset + 26) + zip.readUInt16LE(localOffset + 28);
		const raw = zip.subarray(start, start + compressedSize);
		entries.push({ name, data: method === 0 ? raw : inflateRawSync(raw) });
		offset += 46 + nameLength + extraLength + commentLength;
	}
	return entries;
}

/** Decrypts one value encrypted by n8n's Cipher (base64 of "Salted__" + salt + ciphertext). */
export function decryptN8n(base64, encryptionKey) {
	const input = Buffer.from(base64, 'base64');
	if (input.subarray(0, 8).toString('latin1') !== 'Salted__')
		throw new Error('not an n8n-encrypted value');
	const salt = input.subarray(8, 16);
	let derived = Buffer.alloc(0);
	let block = Buffer.alloc(0);
	while (derived.length < 48) {
		block = createHash('md5')
			.update(Buffer.concat([block, Buffer.from(encryptionKey, 'utf8'), salt]))
			.digest();
		derived = Buffer.concat([derived, block]);
	}
	const decipher = createDecipheriv(
		'aes-256-cbc',
		derived.subarray(0, 32),
		derived.subarray(32, 48),
	);
	return Buffer.concat([decipher.update(input.subarray(16)), decipher.final()]).toString('utf8');
}

/**
 * The tables in an `export:entities` folder, decrypted: [{name, text}]. Lines that are not
 * encrypted are kept as they are. (Credential data inside stays encrypted, as in the database.)
 */
export function readEntitiesExport(zipFile, encryptionKey) {
	return unzip(zipFile).map(({ name, data }) => ({
		name,
		text: data
			.toString('utf8')
			.split('\n')
			.filter(Boolean)
			.map((line) => {
				try {
					return decryptN8n(line, encryptionKey);
				} catch {
					return line;
				}
			})
			.join('\n'),
	}));
}
