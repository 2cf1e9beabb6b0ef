// The Store port's contract suite: every adapter runs it (the SQLite file and PostgreSQL) so that
// the engine can rely on the same behaviour, including the atomic operations, on either.
import { describe } from 'vitest';
import { describeAgentStoreContract } from './contract/agent-store-contract.ts';
import { describeAuditStoreContract } from './contract/audit-store-contract.ts';
import { describeArtifactStoreContract } from './contract/artifact-store-contract.ts';
import { describeCommandStoreContract } from './contract/command-store-contract.ts';
import { describeDeploymentStoreContract } from './contract/deployment-store-contract.ts';
import { describeEnvironmentStoreContract } from './contract/environment-store-contract.ts';
import { describeEventStoreContract } from './contract/event-store-contract.ts';
import { describeJobStoreContract } from './contract/job-store-contract.ts';
import { describeLeaseStoreContract } from './contract/lease-store-contract.ts';
import { describeLogRetentionContract } from './contract/log-retention-contract.ts';
import { describeLogSearchContract } from './contract/log-search-contract.ts';
import { describeLogStoreContract } from './contract/log-store-contract.ts';
import { describeProjectStoreContract } from './contract/project-store-contract.ts';
import { describeRunStoreContract } from './contract/run-store-contract.ts';
import { describeSecretStoreContract } from './contract/secret-store-contract.ts';
import { describeTransactionContract } from './contract/transaction-contract.ts';
import { describeUploadStoreContract } from './contract/upload-store-contract.ts';
import { describeUserStoreContract } from './contract/user-store-contract.ts';
import type { Store } from './store.ts';

/**
 * Declares the contract tests of every sub-store under `name`. `open` must return a new, empty,
 * migrated store on each call; the suite opens one per test and closes it afterwards.
 */
export function describeStoreContract(name: string, open: () => Promise<Store>): void {
  describe(name, () => {
    describeProjectStoreContract(open);
    describeRunStoreContract(open);
    describeJobStoreContract(open);
    describeArtifactStoreContract(open);
    describeAgentStoreContract(open);
    describeDeploymentStoreContract(open);
    describeEnvironmentStoreContract(open);
    describeCommandStoreContract(open);
    describeUploadStoreContract(open);
    describeEventStoreContract(open);
    describeLogStoreContract(open);
    describeLogSearchContract(open);
    describeLogRetentionContract(open);
    describeSecretStoreContract(open);
    describeTransactionContract(open);
    describeUserStoreContract(open);
    describeAuditStoreContract(open);
    describeLeaseStoreContract(open);
  });
}
