"""Billing-v1 OAuth request and response models, as today's Meteroid API names them.

The requests are urlencoded forms that the routes read themselves (so that every refusal
is an RFC 6749 §5.2 error): their models only document them.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, Field

__all__ = [
    "IntrospectionRequest",
    "OAuthErrorCode",
    "OAuthErrorResponse",
    "RevocationRequest",
    "TokenIntrospectionResponse",
    "TokenRequest",
    "TokenResponse",
    "form_body",
]

_CLIENT_ID = "Client ID (if not using HTTP Basic auth)"
_CLIENT_SECRET = "Client secret (if not using HTTP Basic auth)"  # noqa: S105 - a description


class OAuthErrorCode(StrEnum):
    """OAuth 2.0 error codes as per RFC 6749."""

    INVALID_REQUEST = "invalid_request"
    UNAUTHORIZED_CLIENT = "unauthorized_client"
    ACCESS_DENIED = "access_denied"
    UNSUPPORTED_RESPONSE_TYPE = "unsupported_response_type"
    INVALID_SCOPE = "invalid_scope"
    SERVER_ERROR = "server_error"
    TEMPORARILY_UNAVAILABLE = "temporarily_unavailable"
    INVALID_GRANT = "invalid_grant"
    INVALID_CLIENT = "invalid_client"
    UNSUPPORTED_GRANT_TYPE = "unsupported_grant_type"


class OAuthErrorResponse(BaseModel):
    """OAuth 2.0 error response as per RFC 6749 Section 5.2."""

    error: OAuthErrorCode
    error_description: str | None = None
    request_id: str | None = Field(None, description="The request's id (also in X-Request-Id)")


class TokenRequest(BaseModel):
    """Token request (from POST body, application/x-www-form-urlencoded)."""

    grant_type: Literal["client_credentials"] = Field(
        description="Grant type: only client_credentials"
    )
    client_id: str | None = Field(None, description=_CLIENT_ID)
    client_secret: str | None = Field(None, description=_CLIENT_SECRET)
    scope: str | None = Field(
        None, description="Space-separated scopes, within the client's (default: all of them)"
    )


class TokenResponse(BaseModel):
    """Token response as per OAuth 2.0 spec."""

    access_token: str
    token_type: Literal["Bearer"]
    expires_in: int = Field(description="Seconds until the token expires")
    scope: str | None = Field(None, description="The granted scopes, unless as requested")


class IntrospectionRequest(BaseModel):
    """Token introspection request."""

    token: str = Field(description="The token to introspect")
    token_type_hint: str | None = Field(None, description="Ignored: every token is an access token")
    client_id: str | None = Field(None, description=_CLIENT_ID)
    client_secret: str | None = Field(None, description=_CLIENT_SECRET)


class TokenIntrospectionResponse(BaseModel):
    """Token introspection response as per RFC 7662 (only `active` for an inactive token)."""

    active: bool
    client_id: str | None = Field(None, description="The client the token was issued to")
    exp: int | None = Field(None, description="When the token expires (Unix time)")
    scope: str | None = Field(None, description="The token's scopes, space-separated")
    sub: str | None = Field(None, description="The token's subject: its client")
    token_type: Literal["Bearer"] | None = None


class RevocationRequest(BaseModel):
    """Token revocation request."""

    token: str = Field(description="The token to revoke")
    token_type_hint: str | None = Field(
        None, description="Optional hint about the token type (access_token or refresh_token)"
    )
    client_id: str | None = Field(None, description=_CLIENT_ID)
    client_secret: str | None = Field(None, description=_CLIENT_SECRET)


def form_body(model: type[BaseModel]) -> dict[str, Any]:
    """`openapi_extra` documenting a required urlencoded body shaped like `model`."""
    schema = model.model_json_schema()
    return {
        "requestBody": {
            "required": True,
            "content": {"application/x-www-form-urlencoded": {"schema": schema}},
        }
    }
