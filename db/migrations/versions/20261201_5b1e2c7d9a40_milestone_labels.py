"""milestone labels: how answers say an approximate date

Revision ID: 5b1e2c7d9a40
Revises: 1a89475e7f26
Create Date: 2026-12-01 10:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '5b1e2c7d9a40'
down_revision = '1a89475e7f26'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('milestones', schema=None) as batch_op:
        batch_op.add_column(sa.Column('label', sa.String(length=60), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('label_en', sa.String(length=80), nullable=False, server_default=''))


def downgrade() -> None:
    with op.batch_alter_table('milestones', schema=None) as batch_op:
        batch_op.drop_column('label_en')
        batch_op.drop_column('label')
