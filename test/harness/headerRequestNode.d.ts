import type { INodeType } from 'n8n-workflow';

/** `test.headerRequest`: GET with an Authorization header given as a (usually expression) parameter. */
export const HeaderRequestNode: INodeType;
