"""verified_claims requests kept on the grant row

Revision ID: 5b0e7c1d2a94
Revises: 129d500563ec
Create Date: 2026-12-03 22:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5b0e7c1d2a94'
down_revision = '129d500563ec'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('grants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('verified_claims_request', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('grants', schema=None) as batch_op:
        batch_op.drop_column('verified_claims_request')
