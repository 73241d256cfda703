"""Every body block shows a preview in the editor's block picker."""

import pytest
from django.urls import reverse

from content.blocks import BodyBlock


@pytest.mark.parametrize("name", list(BodyBlock.base_blocks))
def test_every_body_block_declares_icon_template_description_and_preview(name):
    block = BodyBlock.base_blocks[name]
    assert block.meta.icon and block.meta.icon != "placeholder"
    assert block.meta.template
    assert block.meta.description
    assert block.get_preview_value() is not None
    assert block.is_previewable


@pytest.mark.parametrize("name", list(BodyBlock.base_blocks))
def test_the_editor_can_preview_every_body_block(admin_client, home, name):
    block = BodyBlock().child_blocks[name]

    response = admin_client.get(
        reverse("wagtailadmin_block_preview"), {"id": block.definition_prefix}
    )

    assert response.status_code == 200
    assert "Preview for" in response.content.decode()
