// Types of the ESM entry (index.mjs): the same names as index.js, plus its default export.
import * as core from './index.js';

export * from './index.js';
export default core;
