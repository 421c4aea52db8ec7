// Types of standin.js: the jest-side handle on the AAC stand-in (test/standin/aac-standin.mjs).
// The implementation is plain JavaScript because it needs Node built-ins (worker_threads), which
// n8n's community-package lint forbids in TypeScript files; this package's tests are linted too.
export interface StandInOptions {
  host?: string;
  port?: number;
  accessTokenTtlSeconds?: number;
  refreshTokenTtlSeconds?: number;
  /** The v4 API stand-in (standin/api.mjs); controls in standinApi.js. */
  api?: import('./standinApi').ApiOptions;
  /** Judge access-token expiry on the API's clock (advancing it expires tokens); default real time. */
  tokenExpiryOnApiClock?: boolean;
}

export interface StandInStats {
  /** Every HTTP request to the token endpoint, whatever its outcome. */
  tokenRequests: number;
  refreshGrantsOk: number;
  invalidGrants: number;
  /** invalid_grant responses caused by presenting an already-rotated refresh token. */
  reuseDetections: number;
  apiRequests: number;
  apiOk: number;
  apiUnauthorized: number;
  /** Max number of token requests that presented the same refresh token value. */
  maxUsesOfOneRefreshToken: number;
  /** Token requests that carried a refresh_token parameter (total, not distinct). */
  refreshTokensPresented: number;
}

export interface MintOptions {
  accessTokenTtlSeconds?: number;
  /** Validly signed access token whose exp is already in the past. */
  accessTokenExpired?: boolean;
}

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
}

export interface StandIn {
  issuer: string;
  clientId: string;
  origin: string;
  apiBaseUrl: string;
  tokenEndpoint: string;
  adminUrl: string;
  mint(opts?: MintOptions): Promise<TokenPair>;
  stats(): Promise<StandInStats>;
  resetStats(): Promise<void>;
  familyAlive(refreshToken: string): Promise<boolean>;
  revokeFamily(refreshToken: string): Promise<boolean>;
  setAccessTokenTtl(seconds: number): Promise<void>;
  issuedRefreshTokens(): Promise<string[]>;
  stop(): Promise<void>;
}

export function startStandIn(options?: StandInOptions): Promise<StandIn>;
