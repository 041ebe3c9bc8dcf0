"""clients.require_pushed_authorization_requests (RFC 9126 §6)

Revision ID: 17ca8126cb37
Revises: 5b0e7c1d2a94
Create Date: 2026-12-03 23:25:50.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '17ca8126cb37'
down_revision = '5b0e7c1d2a94'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('clients', schema=None) as batch_op:
        batch_op.add_column(sa.Column('require_pushed_authorization_requests', sa.Boolean(),
                                      nullable=False, server_default=sa.false()))


def downgrade():
    with op.batch_alter_table('clients', schema=None) as batch_op:
        batch_op.drop_column('require_pushed_authorization_requests')
