"""reply outbox, dead letters, login throttling, revocable staff sessions

Existing staff accounts keep full access (role admin); events already in the inbox count as one
attempt, leased now.

Revision ID: 9e4f2a6b8c13
Revises: 7c3d1e9f4b21
Create Date: 2026-12-01 03:56:46.735726
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import db.models

revision = '9e4f2a6b8c13'
down_revision = '7c3d1e9f4b21'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('dead_letters',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('webhook_event_id', sa.String(length=64), nullable=True),
    sa.Column('line_user_id', sa.String(length=64), nullable=True),
    sa.Column('event_type', sa.String(length=20), nullable=False),
    sa.Column('error', sa.String(length=80), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('received_at', db.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('failed_at', db.models.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('dead_letters', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dead_letters_line_user_id'), ['line_user_id'], unique=False)

    op.create_table('login_attempts',
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('last_failure_at', db.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('locked_until', db.models.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_table('outbox_replies',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('chat_id', sa.String(length=64), nullable=False),
    sa.Column('reply_token', sa.String(length=64), nullable=True),
    sa.Column('messages', sa.JSON(), nullable=False),
    sa.Column('retry_key', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('error', sa.String(length=200), nullable=True),
    sa.Column('created_at', db.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', db.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', db.models.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key')
    )
    with op.batch_alter_table('outbox_replies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_replies_chat_id'), ['chat_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_replies_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_replies_updated_at'), ['updated_at'], unique=False)

    op.create_table('staff_sessions',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('username', sa.String(length=40), nullable=False),
    sa.Column('csrf', sa.String(length=64), nullable=False),
    sa.Column('created_at', db.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', db.models.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('staff_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_sessions_username'), ['username'], unique=False)

    with op.batch_alter_table('inbox_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('line_user_id', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('leased_at', db.models.UTCDateTime(timezone=True), nullable=False,
                                      server_default=sa.text('CURRENT_TIMESTAMP')))
        batch_op.add_column(sa.Column('attempts', sa.Integer(), nullable=False, server_default='1'))
        batch_op.add_column(sa.Column('last_error', sa.String(length=80), nullable=True))
        batch_op.create_index(batch_op.f('ix_inbox_events_leased_at'), ['leased_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_inbox_events_line_user_id'), ['line_user_id'], unique=False)

    with op.batch_alter_table('staff_accounts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('role', sa.String(length=10), nullable=False, server_default='admin'))
        batch_op.add_column(sa.Column('disabled', sa.Boolean(), nullable=False, server_default=sa.false()))



def downgrade() -> None:
    with op.batch_alter_table('staff_accounts', schema=None) as batch_op:
        batch_op.drop_column('disabled')
        batch_op.drop_column('role')

    with op.batch_alter_table('inbox_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inbox_events_line_user_id'))
        batch_op.drop_index(batch_op.f('ix_inbox_events_leased_at'))
        batch_op.drop_column('last_error')
        batch_op.drop_column('attempts')
        batch_op.drop_column('leased_at')
        batch_op.drop_column('line_user_id')

    with op.batch_alter_table('staff_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_sessions_username'))

    op.drop_table('staff_sessions')
    with op.batch_alter_table('outbox_replies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_replies_updated_at'))
        batch_op.drop_index(batch_op.f('ix_outbox_replies_status'))
        batch_op.drop_index(batch_op.f('ix_outbox_replies_chat_id'))

    op.drop_table('outbox_replies')
    op.drop_table('login_attempts')
    with op.batch_alter_table('dead_letters', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dead_letters_line_user_id'))

    op.drop_table('dead_letters')
