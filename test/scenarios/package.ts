/**
 * The package's node and credential types for the shared scenarios, found the way n8n finds them:
 * through package.json's `n8n` field, read by n8n-core's PackageDirectoryLoader. This is the one
 * place the scenarios learn where product code lives, and it names no product path itself:
 *
 * - `dist`: the loader loads the compiled files the field lists, exactly as n8n loads an
 *   installed community package (CommonJS, n8n's own class-name rule, codex, special parameters).
 * - `sources`: the TypeScript files those were compiled from (`dist/<path>.js` → `<path>.ts`),
 *   imported without a build: by ts-jest under jest, by Deno itself (deno.json: sloppy imports
 *   and an import map that points n8n-workflow at its CommonJS build).
 *
 * The scenarios refer to the types by the names n8n gives them in workflow JSON.
 */
import { PackageDirectoryLoader } from 'n8n-core';
import type { ICredentialType, INodeType } from 'n8n-workflow';

import { setUpProcessOnce } from '../harness/n8n';
import { packageRoot } from '../helpers/scenarioSupport';

export type From = 'dist' | 'sources';
export const FROM: readonly From[] = ['dist', 'sources'];

export interface PackageTypes {
	from: From;
	/** Node types by the name workflow JSON uses: `<package name>.<node name>`. */
	nodeTypes: Record<string, INodeType>;
	credentialTypes: Record<string, ICredentialType>;
	/** The names the scenarios use. */
	names: { node: string; trigger: string; flowTrigger: string; credential: string };
}

/** n8n's rule (DirectoryLoader): the class a file exports is named by the file's name up to its first dot. */
const className = (file: string) => file.split('/').pop()!.split('.')[0];

/** The source a compiled file came from, without extension (ts-jest and Deno's sloppy imports add `.ts`). */
const sourceOf = (distFile: string) =>
	`${packageRoot}/${distFile.replace(/^dist\//, '').replace(/\.js$/, '')}`;

async function fromSources(files: string[]): Promise<unknown[]> {
	const instances = [];
	for (const file of files) {
		const module = (await import(sourceOf(file))) as Record<string, new () => unknown>;
		const type = module[className(file)];
		if (typeof type !== 'function')
			throw new Error(`${sourceOf(file)} exports no ${className(file)}`);
		instances.push(new type());
	}
	return instances;
}

export async function loadPackage(from: From): Promise<PackageTypes> {
	// The loader asks n8n-core's container for its Logger: the harness registers ours first.
	setUpProcessOnce();
	const loader = new PackageDirectoryLoader(packageRoot);
	const nodeTypes: Record<string, INodeType> = {};
	const credentialTypes: Record<string, ICredentialType> = {};
	if (from === 'dist') {
		await loader.loadAll();
		for (const [name, { type }] of Object.entries(loader.nodeTypes))
			nodeTypes[`${loader.packageName}.${name}`] = type as INodeType;
		for (const [name, { type }] of Object.entries(loader.credentialTypes))
			credentialTypes[name] = type;
	} else {
		const { nodes = [], credentials = [] } = loader.packageJson.n8n ?? {};
		for (const type of (await fromSources(nodes)) as INodeType[])
			nodeTypes[`${loader.packageName}.${type.description.name}`] = type;
		for (const type of (await fromSources(credentials)) as ICredentialType[])
			credentialTypes[type.name] = type;
	}
	const nodeName = (name: string) => {
		const full = `${loader.packageName}.${name}`;
		if (!nodeTypes[full]) throw new Error(`package.json's n8n field lists no node ${name}`);
		return full;
	};
	const credential = 'alteryxAnalyticsCloudOAuth2Api';
	if (!credentialTypes[credential])
		throw new Error(`package.json's n8n field lists no credential ${credential}`);
	return {
		from,
		nodeTypes,
		credentialTypes,
		names: {
			node: nodeName('alteryxAnalyticsCloud'),
			trigger: nodeName('alteryxAnalyticsCloudTrigger'),
			flowTrigger: nodeName('alteryxAnalyticsCloudFlowTrigger'),
			credential,
		},
	};
}
