"""staff knowledge editing, program years, handoffs, API tokens

Revision ID: 3b7d5f1a2c84
Revises: 9e4f2a6b8c13
Create Date: 2026-12-01 04:50:06.319943
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import db.models

revision = '3b7d5f1a2c84'
down_revision = '9e4f2a6b8c13'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('handoffs',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('line_user_id', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('opened_at', db.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('topic', sa.String(length=300), nullable=True),
    sa.Column('taken_by', sa.String(length=40), nullable=True),
    sa.Column('taken_at', db.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_staff_at', db.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_at', db.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_reason', sa.String(length=20), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('handoffs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_handoffs_line_user_id'), ['line_user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_handoffs_status'), ['status'], unique=False)

    op.create_table('kb_drafts',
    sa.Column('entry_id', sa.String(length=80), nullable=False),
    sa.Column('data', sa.JSON(), nullable=True),
    sa.Column('base_hash', sa.String(length=64), nullable=True),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('check_note', sa.String(length=200), nullable=True),
    sa.Column('updated_by', sa.String(length=40), nullable=False),
    sa.Column('updated_at', db.models.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('entry_id')
    )
    op.create_table('kb_live',
    sa.Column('entry_id', sa.String(length=80), nullable=False),
    sa.Column('data', sa.JSON(), nullable=True),
    sa.Column('seed_hash', sa.String(length=64), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_by', sa.String(length=40), nullable=False),
    sa.Column('updated_at', db.models.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('entry_id')
    )
    op.create_table('kb_out_of_scope',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('text', sa.String(length=300), nullable=False),
    sa.Column('created_by', sa.String(length=40), nullable=False),
    sa.Column('created_at', db.models.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('kb_versions',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('published_at', db.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('published_by', sa.String(length=40), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('handoff_messages',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('handoff_id', sa.Integer(), nullable=False),
    sa.Column('sender', sa.String(length=10), nullable=False),
    sa.Column('staff_name', sa.String(length=40), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('at', db.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['handoff_id'], ['handoffs.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('handoff_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_handoff_messages_handoff_id'), ['handoff_id'], unique=False)

    with op.batch_alter_table('milestones', schema=None) as batch_op:
        batch_op.add_column(sa.Column('draft', sa.Boolean(), nullable=False, server_default=sa.false()))

    with op.batch_alter_table('staff_accounts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('api_token_hash', sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f('ix_staff_accounts_api_token_hash'), ['api_token_hash'], unique=True)

    with op.batch_alter_table('unanswered_questions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('resolution', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('resolved_at', db.models.UTCDateTime(timezone=True), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('unanswered_questions', schema=None) as batch_op:
        batch_op.drop_column('resolved_at')
        batch_op.drop_column('resolution')

    with op.batch_alter_table('staff_accounts', schema=None) as batch_op:
        # WARNING: constraint name is None; this directive will fail as
        # rendered.  Add a name, or use a naming convention; see
        # https://alembic.sqlalchemy.org/en/latest/naming.html
        batch_op.drop_index(batch_op.f('ix_staff_accounts_api_token_hash'))
        batch_op.drop_column('api_token_hash')

    with op.batch_alter_table('milestones', schema=None) as batch_op:
        batch_op.drop_column('draft')

    with op.batch_alter_table('handoff_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_handoff_messages_handoff_id'))

    op.drop_table('handoff_messages')
    op.drop_table('kb_versions')
    op.drop_table('kb_out_of_scope')
    op.drop_table('kb_live')
    op.drop_table('kb_drafts')
    with op.batch_alter_table('handoffs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_handoffs_status'))
        batch_op.drop_index(batch_op.f('ix_handoffs_line_user_id'))

    op.drop_table('handoffs')
