// The environment an app's processes get: its own and a migration's the same, so that a migration
// reaches the database exactly as the app it prepares will.

export interface AppEnvironmentOptions {
  /** The environment to start from (default the agent's); its SLIPWAY_* variables are not passed on. */
  baseEnv?: NodeJS.ProcessEnv;
  /** The environment's secrets, as variables; PORT and SLIPWAY_* win over them. */
  secrets?: Record<string, string>;
  port: number;
  app: string;
  version: string;
  /** SLIPWAY_ENV: the Slipway environment (production, staging…). */
  env: string;
  /** SLIPWAY_HOST: the agent's name. */
  host: string;
}

/**
 * The variables of an app's process: the base environment without the agent's own SLIPWAY_*
 * (its token and settings are not the app's), then the secrets, then PORT, SLIPWAY_APP,
 * SLIPWAY_VERSION, SLIPWAY_ENV and SLIPWAY_HOST. Pure.
 */
export function appEnvironment(o: AppEnvironmentOptions): NodeJS.ProcessEnv {
  const inherited = Object.entries(o.baseEnv ?? process.env).filter(([name]) => !name.startsWith('SLIPWAY_'));
  return {
    ...Object.fromEntries(inherited),
    ...o.secrets,
    PORT: String(o.port),
    SLIPWAY_APP: o.app,
    SLIPWAY_VERSION: o.version,
    SLIPWAY_ENV: o.env,
    SLIPWAY_HOST: o.host,
  };
}
