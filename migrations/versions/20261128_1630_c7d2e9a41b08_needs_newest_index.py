"""needs newest-first index for the list page

Revision ID: c7d2e9a41b08
Revises: 346e3423acc5
Create Date: 2026-11-28 16:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c7d2e9a41b08'
down_revision = '346e3423acc5'
branch_labels = None
depends_on = None


def upgrade():
    # the list page sorts by this expression: an index lets a search stop after one page
    op.create_index(
        'ix_needs_newest',
        'needs',
        [sa.text('coalesce(published_at, submitted_at, created_at) DESC'), sa.text('id DESC')],
        if_not_exists=True,
    )


def downgrade():
    op.drop_index('ix_needs_newest', table_name='needs')
