"""form session status: room for the dialog's longer state names (confirm_cancel)

Revision ID: 7c3d1e9f4b21
Revises: 5b1e2c7d9a40
Create Date: 2026-12-01 12:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '7c3d1e9f4b21'
down_revision = '5b1e2c7d9a40'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('form_sessions', schema=None) as batch_op:
        batch_op.alter_column('status', existing_type=sa.String(length=12), type_=sa.String(length=20),
                              existing_nullable=False)


def downgrade() -> None:
    with op.batch_alter_table('form_sessions', schema=None) as batch_op:
        batch_op.alter_column('status', existing_type=sa.String(length=20), type_=sa.String(length=12),
                              existing_nullable=False)
