"""delivery queue index: one (status, kind, ref, id) instead of one per column

Revision ID: 4d2a8c6e1f37
Revises: 3b7d5f1a2c84
Create Date: 2026-12-01 06:10:00
"""
from __future__ import annotations

from alembic import op

revision = '4d2a8c6e1f37'
down_revision = '3b7d5f1a2c84'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_index('ix_deliveries_kind')
        batch_op.drop_index('ix_deliveries_ref')
        batch_op.drop_index('ix_deliveries_status')
        batch_op.drop_index('ix_deliveries_batch_key')
        batch_op.create_index('ix_deliveries_queue', ['status', 'kind', 'ref', 'id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_index('ix_deliveries_queue')
        batch_op.create_index('ix_deliveries_batch_key', ['batch_key'], unique=False)
        batch_op.create_index('ix_deliveries_status', ['status'], unique=False)
        batch_op.create_index('ix_deliveries_ref', ['ref'], unique=False)
        batch_op.create_index('ix_deliveries_kind', ['kind'], unique=False)
