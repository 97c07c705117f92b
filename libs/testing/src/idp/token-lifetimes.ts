/** Token lifetimes in seconds; tests shorten them to see expiry without waiting an hour. */
export interface DevTokenLifetimes {
  accessToken?: number;
  idToken?: number;
  refreshToken?: number;
  deviceCode?: number;
}
