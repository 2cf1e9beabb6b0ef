// The sample app's slipway.yml with a single environment, production, deployed after each build:
// for tests and benchmarks that need one environment and no approval (sampleAppConfig: with other
// environments). examples/hello stays as `npm start` uses it.

export interface ProductionOnlyOptions {
  healthTimeout: string;
  batch?: number;
  /** The app's port on every host (hosts with their own addresses); default: each agent's --port. */
  port?: number;
  /** More lines under `production:`, indented by four spaces (a `loadBalancer:` block, say). */
  productionLines?: string;
}

export function productionOnlyConfig(options: ProductionOnlyOptions): string {
  return sampleAppConfig(options, `  production:
    hosts: { env: production }
${options.batch === undefined ? '' : `    batch: ${options.batch}\n`}${options.productionLines ?? ''}`);
}

/** The sample app's slipway.yml with `environments` (its lines, indented by two spaces) as its environments. */
export function sampleAppConfig(options: Pick<ProductionOnlyOptions, 'healthTimeout' | 'port'>, environments: string): string {
  return `app: hello
build:
  steps:
    - name: unit tests
      run: npm test
  artifact: [server.js, greeting.js, package.json]
run:
  command: node server.js
${options.port === undefined ? '' : `  port: ${options.port}\n`}  health: { http: /healthz, timeout: ${options.healthTimeout} }
environments:
${environments}`;
}
