// The e2e suite (e2e/lib/suite.mjs: the scenarios in e2e/scenarios/*.mjs) on every selected n8n
// version (E2E_N8N, e2e/lib/versions.mjs), one after the other. Run: npm run test:e2e
import { defineSuite } from './lib/suite.mjs';

defineSuite();
