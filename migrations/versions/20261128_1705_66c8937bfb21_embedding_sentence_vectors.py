"""embedding sentence vectors for explanations

Revision ID: 66c8937bfb21
Revises: c7d2e9a41b08
Create Date: 2026-11-28 17:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '66c8937bfb21'
down_revision = 'c7d2e9a41b08'
branch_labels = None
depends_on = None


def upgrade():
    # the explainer's sentence vectors (int8 + a scale per sentence), encoded when the record
    # is, so a match list never encodes; NULL until `flask match reindex` fills old rows
    with op.batch_alter_table('embeddings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sentence_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('sentence_vectors', sa.LargeBinary(), nullable=True))


def downgrade():
    with op.batch_alter_table('embeddings', schema=None) as batch_op:
        batch_op.drop_column('sentence_vectors')
        batch_op.drop_column('sentence_hash')
