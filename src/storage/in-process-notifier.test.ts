// Runs the Notifier contract against the in-process adapter (a server alone on SQLite).
import { describeNotifierContract } from './contract/notifier-contract.ts';
import { InProcessNotifier } from './in-process-notifier.ts';

describeNotifierContract('InProcessNotifier', () => Promise.resolve(new InProcessNotifier()));
