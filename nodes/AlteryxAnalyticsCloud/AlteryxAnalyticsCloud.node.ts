import {
	NodeConnectionTypes,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';

import * as accessToken from './actions/accessToken/AccessToken.resource';
import * as connection from './actions/connection/Connection.resource';
import * as flow from './actions/flow/Flow.resource';
import * as job from './actions/job/Job.resource';
import * as plan from './actions/plan/Plan.resource';
import * as planRun from './actions/planRun/PlanRun.resource';
import { router } from './actions/router';
import * as user from './actions/user/User.resource';
import * as workspace from './actions/workspace/Workspace.resource';
import { alteryxAnalyticsCloudTokenTest } from './methods/credentialTest';
import * as listSearch from './methods/listSearch';
import { CREDENTIAL_TYPE } from './helpers/n8nAdapter';

export class AlteryxAnalyticsCloud implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Alteryx Analytics Cloud',
		name: 'alteryxAnalyticsCloud',
		icon: { light: 'file:alteryx.svg', dark: 'file:alteryx.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{$parameter["operation"] + ": " + $parameter["resource"]}}',
		description:
			'Run Alteryx Analytics Cloud plans, recipes and flows and wait for them; list plans, runs, jobs, flows and connections; get a valid access token for downstream nodes (refreshed, the rotated refresh token saved)',
		defaults: { name: 'Alteryx Analytics Cloud' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [
			{ name: CREDENTIAL_TYPE, required: true, testedBy: 'alteryxAnalyticsCloudTokenTest' },
		],
		properties: [
			{
				displayName: 'Resource',
				name: 'resource',
				type: 'options',
				noDataExpression: true,
				options: [
					{ name: 'Access Token', value: 'accessToken' },
					{ name: 'Connection', value: 'connection' },
					{ name: 'Flow', value: 'flow' },
					{ name: 'Job', value: 'job', description: 'A job group: one run of a recipe' },
					{ name: 'Plan', value: 'plan' },
					{ name: 'Plan Run', value: 'planRun' },
					{ name: 'User', value: 'user' },
					{ name: 'Workspace', value: 'workspace' },
				],
				default: 'accessToken',
			},
			...accessToken.description,
			...connection.description,
			...flow.description,
			...job.description,
			...plan.description,
			...planRun.description,
			...user.description,
			...workspace.description,
		],
	};

	methods = {
		credentialTest: { alteryxAnalyticsCloudTokenTest },
		listSearch: {
			searchConnections: listSearch.searchConnections,
			searchFlows: listSearch.searchFlows,
			searchPlans: listSearch.searchPlans,
			searchRecipes: listSearch.searchRecipes,
		},
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await router.call(this);
	}
}
