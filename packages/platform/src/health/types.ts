/** One dependency that `/readyz` checks: resolves when healthy, rejects otherwise. */
export type HealthCheck = {
  name: string;
  check: (signal: AbortSignal) => Promise<void>;
};
