import type { INodeProperties } from 'n8n-workflow';

import { runIdProperty } from '../../methods/locators';

/** The Job ID of Get and Get Outputs (a new object each time: each operation sets its own display options). */
export const jobIdProperty = (): INodeProperties =>
	runIdProperty(
		'Job ID',
		'The ID of the job (a job group: one run of a recipe), e.g. from a Run operation or the job library',
	);
