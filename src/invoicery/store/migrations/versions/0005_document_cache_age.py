"""document cache age: an index for deleting cached PDFs by age

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_document_cache_created_at", "document_cache", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_document_cache_created_at", table_name="document_cache")
