"""OAuth2 client credentials: API clients, access tokens, scopes and the caller's account."""
