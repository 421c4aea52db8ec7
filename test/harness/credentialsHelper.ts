/**
 * The n8n harness's CredentialsHelper: a mirror of the one in n8n's CLI package (not installed
 * here), reading and saving through the CredentialStore. `saveSemantics` picks how
 * preAuthentication persists its output, as n8n 1.x or 2.x does.
 */
import { getAdditionalKeys } from 'n8n-core';
import {
	ICredentials,
	ICredentialsHelper,
	NodeHelpers,
	UnexpectedError,
	Workflow,
	deepCopy,
	isExpression,
	type ICredentialDataDecryptedObject,
	type ICredentialsEncrypted,
	type ICredentialsExpressionResolveValues,
	type ICredentialType,
	type IDataObject,
	type IExecuteData,
	type IHttpRequestHelper,
	type IHttpRequestOptions,
	type INode,
	type INodeCredentialsDetails,
	type INodeParameters,
	type INodeProperties,
	type INodeType,
	type INodeTypes,
	type IRequestOptionsSimplified,
	type IWorkflowExecuteAdditionalData,
	type WorkflowExecuteMode,
} from 'n8n-workflow';

import type { CredentialStore } from './credentialStore';
import { withErrorMessageSuffix } from './nodeEnv';

/** How preAuthentication output is saved: as n8n 1.x (1.123) or as 2.x (2.34+) does. */
export type SaveSemantics = 'n8n1' | 'n8n2';

/** n8n-core's Credentials class encrypts with the instance key; we keep plain data instead. */
class StoreCredentials extends ICredentials {
	constructor(
		details: INodeCredentialsDetails,
		type: string,
		private readonly store: CredentialStore,
	) {
		super(details, type);
	}
	async getData(): Promise<ICredentialDataDecryptedObject> {
		return this.store.read(this.id!) as ICredentialDataDecryptedObject;
	}
	getDataToSave(): ICredentialsEncrypted {
		return {
			id: this.id,
			name: this.name,
			type: this.type,
			data: JSON.stringify(this.store.read(this.id!)),
		};
	}
	async setData(data: ICredentialDataDecryptedObject): Promise<void> {
		this.store.save(this.id!, data);
	}
	async updateData(
		toUpdate: ICredentialDataDecryptedObject,
		toDelete: string[] = [],
	): Promise<void> {
		const data = { ...this.store.read(this.id!), ...toUpdate };
		for (const key of toDelete) delete data[key];
		this.store.save(this.id!, data);
	}
}

// CredentialsHelper.applyDefaultsAndOverwrites resolves expressions without run data on a
// one-node mock workflow; same here.
const mockNode: INode = {
	id: 'mock',
	name: '',
	typeVersion: 1,
	type: 'mock',
	position: [0, 0],
	parameters: {},
};
const mockNodeTypes: INodeTypes = {
	getByName: () => ({ description: { properties: [] } }) as unknown as INodeType,
	getByNameAndVersion: () => ({ description: { properties: [] } }) as unknown as INodeType,
	getKnownTypes: () => ({}),
};

/** The hidden property n8n treats as the one preAuthentication renews (n8n looks it up the same way). */
function findExpirableProperty(credentialType: ICredentialType): INodeProperties | undefined {
	return credentialType.properties.find(
		(p) => p.type === 'hidden' && p?.typeOptions?.expirable === true,
	);
}

/**
 * Mirror of n8n's CredentialsHelper (packages/cli/src/credentials-helper.ts). `saveSemantics`
 * picks how preAuthentication persists its output: 1.x (1.123) or 2.x (2.34+).
 */
export class HarnessCredentialsHelper extends ICredentialsHelper {
	constructor(
		private readonly credentialTypes: Record<string, ICredentialType>,
		private readonly store: CredentialStore,
		private readonly saveSemantics: SaveSemantics,
	) {
		super();
	}

	private getType(name: string): ICredentialType {
		const type = this.credentialTypes[name];
		if (!type) throw new UnexpectedError(`Unknown credential type "${name}"`);
		return type;
	}

	getParentTypes(name: string): string[] {
		const parents = this.credentialTypes[name]?.extends ?? [];
		return parents.flatMap((parent) => [parent, ...this.getParentTypes(parent)]);
	}

	isCredentialUsableByNode(): boolean {
		return true;
	}

	async authenticate(
		credentials: ICredentialDataDecryptedObject,
		typeName: string,
		requestOptions: IHttpRequestOptions | IRequestOptionsSimplified,
		workflow?: Workflow,
		node?: INode,
	): Promise<IHttpRequestOptions> {
		const { authenticate } = this.getType(typeName);
		if (typeof authenticate === 'function') {
			return await authenticate(credentials, requestOptions as IHttpRequestOptions);
		}
		if (typeof authenticate === 'object' && authenticate.type === 'generic') {
			requestOptions.headers ??= {};
			const resolve = (value: string) => {
				if (typeof value !== 'string' || value.charAt(0) !== '=') return value;
				const resolved = workflow!.expression.getSimpleParameterValue(
					node!,
					value,
					'internal',
					{ $credentials: credentials },
					undefined,
					'',
				);
				return resolved ? resolved.toString() : '';
			};
			for (const [outerKey, outerValue] of Object.entries(authenticate.properties)) {
				const target = ((requestOptions as unknown as Record<string, IDataObject>)[outerKey] ??=
					{});
				for (const [key, value] of Object.entries(outerValue as Record<string, string>)) {
					target[resolve(key)] = resolve(value);
				}
			}
		}
		return requestOptions as IHttpRequestOptions;
	}

	async preAuthentication(
		helpers: IHttpRequestHelper,
		credentials: ICredentialDataDecryptedObject,
		typeName: string,
		node: INode,
		credentialsExpired: boolean,
	): Promise<ICredentialDataDecryptedObject | undefined> {
		const credentialType = this.getType(typeName);
		const expirableProperty = findExpirableProperty(credentialType);
		if (expirableProperty?.name === undefined) return undefined;

		// n8n's credential test runs on a mock NoOp node with `temp: ''`.
		const isTestingCredentials =
			node?.parameters?.temp === '' && node?.type === 'n8n-nodes-base.noOp';

		if (typeof credentialType.preAuthentication !== 'function') return undefined;
		if (
			!(credentials[expirableProperty.name] === '' || credentialsExpired || isTestingCredentials)
		) {
			return undefined;
		}

		const output = await credentialType.preAuthentication.call(helpers, credentials);
		// Without the expirable key in the output nothing is saved (and nothing merged by n8n-core).
		if (output[expirableProperty.name] === undefined) return undefined;
		if (!node.credentials) return undefined;

		const nodeCredentials = node.credentials[credentialType.name];
		if (this.saveSemantics === 'n8n1') {
			// 1.x writes back the whole in-memory resolved object (defaults applied, expressions
			// resolved, undeclared keys dropped, plus anything a node added to it).
			await this.updateCredentials(
				nodeCredentials,
				credentialType.name,
				Object.assign(credentials, output),
			);
			return Object.assign(credentials, output);
		}

		// 2.x merges the output into the raw stored data and keeps stored expressions,
		// except for the expirable property itself.
		const storedData = await (
			await this.getCredentials(nodeCredentials, credentialType.name)
		).getData();
		const dataToPersist: ICredentialDataDecryptedObject = { ...storedData };
		for (const [key, value] of Object.entries(output)) {
			if (key === expirableProperty.name || !isExpression(storedData[key])) {
				dataToPersist[key] = value as ICredentialDataDecryptedObject[string];
			}
		}
		await this.updateCredentials(nodeCredentials, credentialType.name, dataToPersist);
		return Object.assign(credentials, output);
	}

	async runPreAuthentication(
		helpers: IHttpRequestHelper,
		credentials: ICredentialDataDecryptedObject,
		typeName: string,
	): Promise<ICredentialDataDecryptedObject | undefined> {
		const credentialType = this.getType(typeName);
		const expirableProperty = findExpirableProperty(credentialType);
		if (
			expirableProperty?.name === undefined ||
			typeof credentialType.preAuthentication !== 'function'
		) {
			return undefined;
		}
		const output = await credentialType.preAuthentication.call(helpers, credentials);
		if (output[expirableProperty.name] === undefined) return undefined;
		return Object.assign(credentials, output);
	}

	async getCredentials(
		nodeCredentials: INodeCredentialsDetails,
		type: string,
	): Promise<ICredentials> {
		if (!nodeCredentials.id) throw new UnexpectedError('Found credential with no ID.');
		const row = this.store.row(nodeCredentials.id);
		if (row.type !== type)
			throw new Error(
				`Credential with ID "${nodeCredentials.id}" does not exist for type "${type}".`,
			);
		return new StoreCredentials({ id: row.id, name: row.name }, row.type, this.store);
	}

	getCredentialsProperties(type: string): INodeProperties[] {
		const credentialType = this.getType(type);
		if (credentialType.extends === undefined) return credentialType.properties;
		// Same merge order as n8n: parents first, then the type's own properties win.
		const combined: INodeProperties[] = [];
		for (const parent of credentialType.extends) {
			NodeHelpers.mergeNodeProperties(combined, this.getCredentialsProperties(parent));
		}
		NodeHelpers.mergeNodeProperties(combined, credentialType.properties);
		return combined;
	}

	/** Reads the store on every call (n8n reads its database every time; no cache). */
	async getDecrypted(
		additionalData: IWorkflowExecuteAdditionalData,
		nodeCredentials: INodeCredentialsDetails,
		type: string,
		mode: WorkflowExecuteMode,
		executeData?: IExecuteData,
		raw?: boolean,
		expressionResolveValues?: ICredentialsExpressionResolveValues,
	): Promise<ICredentialDataDecryptedObject> {
		const decryptedDataOriginal = await (
			await this.getCredentials(nodeCredentials, type)
		).getData();
		if (raw === true) return decryptedDataOriginal;

		// As in n8n's applyDefaultsAndOverwrites (no credential overwrites configured here):
		// getNodeParameters(..., returnDefaults=true) fills defaults AND drops keys that are not
		// declared properties (or whose displayOptions hide them), except oauthTokenData.
		let decryptedData = NodeHelpers.getNodeParameters(
			this.getCredentialsProperties(type),
			decryptedDataOriginal as INodeParameters,
			true,
			false,
			null,
			null,
		) as ICredentialDataDecryptedObject;
		if (decryptedDataOriginal.oauthTokenData !== undefined) {
			decryptedData.oauthTokenData = decryptedDataOriginal.oauthTokenData;
		}

		// External secrets are not available ($secrets undefined), as for a credential whose
		// owner may not use them.
		const additionalKeys = getAdditionalKeys(additionalData, mode, null);
		if (expressionResolveValues) {
			// Like n8n: a resolution error is rethrown as is, with this suffix on its message.
			const unresolved = decryptedData;
			decryptedData = withErrorMessageSuffix(
				' [Error resolving credentials]',
				() =>
					expressionResolveValues.workflow.expression.getParameterValue(
						unresolved as INodeParameters,
						expressionResolveValues.runExecutionData,
						expressionResolveValues.runIndex,
						expressionResolveValues.itemIndex,
						expressionResolveValues.node.name,
						expressionResolveValues.connectionInputData,
						mode,
						additionalKeys,
						executeData,
						false,
						unresolved,
					) as ICredentialDataDecryptedObject,
			);
		} else {
			const workflow = new Workflow({
				nodes: [mockNode],
				connections: {},
				active: false,
				nodeTypes: mockNodeTypes,
			});
			decryptedData = workflow.expression.getComplexParameterValue(
				mockNode,
				decryptedData as INodeParameters,
				mode,
				additionalKeys,
				undefined,
				undefined,
				decryptedData,
			) as ICredentialDataDecryptedObject;
		}
		// The expression engine may hand back shared structures; callers get their own copy.
		return deepCopy(decryptedData);
	}

	async updateCredentials(
		nodeCredentials: INodeCredentialsDetails,
		type: string,
		data: ICredentialDataDecryptedObject,
	): Promise<void> {
		const credentials = await this.getCredentials(nodeCredentials, type);
		await credentials.setData(data);
	}

	async updateCredentialsOauthTokenData(
		nodeCredentials: INodeCredentialsDetails,
		type: string,
		data: ICredentialDataDecryptedObject,
	): Promise<void> {
		await this.updateCredentials(nodeCredentials, type, data);
	}
}
