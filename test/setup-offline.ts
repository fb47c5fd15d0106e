// Tests run as CI does: offline, with no AWS account. See offline-guard.cjs.
require('./offline-guard.cjs');
