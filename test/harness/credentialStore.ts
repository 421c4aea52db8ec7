/**
 * The credentials table of the n8n harness: what n8n keeps (encrypted) in its database, kept in
 * plain here, with every save recorded so tests can count them.
 */
export type StoredCredential = {
	id: string;
	name: string;
	type: string;
	data: Record<string, unknown>;
};

const clone = <T>(value: T): T => structuredClone(value);

/** The credentials table: what n8n keeps (encrypted) in its database. */
export class CredentialStore {
	private readonly rows = new Map<string, StoredCredential>();
	readonly saves: Array<{ id: string; data: Record<string, unknown>; at: number }> = [];

	constructor(entries: StoredCredential[]) {
		for (const entry of entries) this.rows.set(entry.id, clone(entry));
	}

	/** Deep copy of what is stored now. */
	read(id: string): Record<string, unknown> {
		return clone(this.row(id).data);
	}

	/** A person editing the credential in the UI (not recorded as a save). */
	write(id: string, data: Record<string, unknown>): void {
		this.row(id).data = clone(data);
	}

	row(id: string): StoredCredential {
		const row = this.rows.get(id);
		// n8n throws CredentialNotFoundError here; the message is close enough for tests.
		if (!row) throw new Error(`Credential with ID "${id}" does not exist`);
		return row;
	}

	/** What CredentialsHelper.updateCredentials does: replace the stored data wholesale. */
	save(id: string, data: Record<string, unknown>): void {
		this.row(id).data = clone(data);
		this.saves.push({ id, data: clone(data), at: Date.now() });
	}
}
