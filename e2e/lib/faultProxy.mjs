// The fault proxy for e2e: the one implementation jest uses too (test/helpers/faultProxy.js,
// where its steps are listed).
export { startFaultProxy } from '../../test/helpers/faultProxy.js';
