// Every job module is imported here once, so that its definition registers itself.
import '../auth/auth.jobs.ts';
import '../modules/account/account.jobs.ts';
import '../modules/demo/demo.jobs.ts';
import '../modules/import/import.jobs.ts';
import '../modules/files/files.jobs.ts';
import '../modules/people/trash.jobs.ts';
import '../modules/search/search.jobs.ts';
import '../modules/tasks/tasks.jobs.ts';
import '../privacy/access-log/access-log.jobs.ts';
import '../privacy/requests/requests.jobs.ts';
import '../privacy/consent/consent.jobs.ts';
import '../privacy/erasure/erasure.jobs.ts';
import '../privacy/retention/retention.jobs.ts';
import '../modules/webhooks/webhooks.jobs.ts';
