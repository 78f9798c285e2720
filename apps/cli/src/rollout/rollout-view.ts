// What the management server answers about rollouts (apps/server/src/http/rollout-view.ts and the approvals,
// audit and history routes), as far as the CLI reads it. `-o json|yaml` prints the server's objects unchanged.

export const TERMINAL_PHASES = ['Succeeded', 'Failed', 'RolledBack', 'Aborted'] as const;

export interface Artifact {
  revision: number;
  image: string;
  digest?: string;
  sha256?: string;
}

export interface ApprovalRequest {
  stepIndex: number;
  roles: string[];
  requireComment: boolean;
  requestedAt: string;
  timeoutAt: string;
}

export interface RolloutView {
  id: string;
  namespace: string;
  name: string;
  slot: string;
  revision: number;
  latestRevision: number;
  phase: string;
  message: string;
  reason?: { code: string; message: string };
  currentStep: string;
  stepIndex: number;
  stepCount: number;
  canary: { share: number; seed: string; waves?: unknown[] };
  approval?: ApprovalRequest;
  analysis?: { measurements?: number; passes?: number; failures?: number; windowEndsAt?: string; lastVerdict?: string };
  stable: Artifact | null;
  candidate: Artifact;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  allowedActions: string[];
  version: number;
}

export interface HistoryItem {
  revision: number;
  image: string;
  outcome: string | null;
  artifact: Artifact | null;
  spec: unknown;
}

export interface AuditEntry {
  id: string;
  rolloutId?: string;
  slot?: string;
  action?: string;
  actor?: { id: string; roles?: string[] } | string;
  before?: { phase: string; revision: number; stepIndex: number };
  after?: { phase: string; revision: number; stepIndex: number };
  reason?: { code: string; message: string };
  comment?: string;
  at?: string;
}

export const isTerminal = (phase: string) => (TERMINAL_PHASES as readonly string[]).includes(phase);
