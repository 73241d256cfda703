"""StreamField blocks shared by every page that carries a body.

Each block names its icon, template, description and a preview value, so the
editor's block picker shows what it will look like before it is chosen.
"""

from django.core.exceptions import ValidationError
from django.utils.functional import cached_property
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.embeds.blocks import EmbedBlock
from wagtail.images.blocks import ImageChooserBlock
from wagtail.snippets.blocks import SnippetChooserBlock

from .markdown import render_markdown, validate_markdown

RICH_TEXT_FEATURES = ["h2", "h3", "bold", "italic", "ol", "ul", "link", "document-link"]


class ParagraphBlock(blocks.RichTextBlock):
    def __init__(self, **kwargs):
        kwargs.setdefault("features", RICH_TEXT_FEATURES)
        kwargs.setdefault("max_length", 10_000)
        kwargs.setdefault(
            "help_text",
            _("Up to 10,000 characters; for a longer piece, add another paragraph block."),
        )
        super().__init__(**kwargs)

    class Meta:
        icon = "pilcrow"
        template = "content/blocks/paragraph_block.html"
        description = _("Formatted text: paragraphs, sub-headings, lists and links.")
        preview_value = (
            "<p>Good mentoring conversations start with curiosity. Ask what your "
            "mentee hopes to be doing in two years, then listen for the why.</p>"
        )


class MarkdownBlock(blocks.TextBlock):
    """Text written in markdown, rendered through the shared sanitiser."""

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "help_text",
            _(
                "Markdown: ## headings, * lists, tables and [links](https://…). Text longer "
                "than the site allows, or that could not be shown in full, is refused when "
                "saved, with the line to look at."
            ),
        )
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        validate_markdown(value)
        return value

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context)
        # Safe: render_markdown is the sanitiser; what it returns is allowlisted HTML.
        context["html"] = mark_safe(render_markdown(value))  # noqa: S308
        return context

    def get_searchable_content(self, value):
        return [value]

    class Meta:
        icon = "code"
        template = "content/blocks/markdown_block.html"
        description = _("Text written in markdown, for content drafted outside Wagtail.")
        preview_value = (
            "## Before your first meeting\n\n"
            "* Share one thing you are proud of this year\n"
            "* Note one skill you want to grow\n"
        )
        rows = 12


class HeadingBlock(blocks.StructBlock):
    text = blocks.CharBlock(max_length=120, help_text=_("The heading's words."))
    level = blocks.ChoiceBlock(
        choices=[("h2", _("Section heading")), ("h3", _("Sub-heading"))],
        default="h2",
        help_text=_("Section headings appear in the page outline; sub-headings sit under them."),
    )

    class Meta:
        icon = "title"
        template = "content/blocks/heading_block.html"
        description = _("A heading that starts a new section of the page.")
        preview_value = {"text": "Setting expectations together", "level": "h2"}


class ImageBlock(blocks.StructBlock):
    image = ImageChooserBlock(help_text=_("Choose or upload an image."))
    alt_text = blocks.CharBlock(
        required=False,
        max_length=250,
        help_text=_(
            "Describe the image for people who cannot see it. Leave blank only if "
            "the image is decorative."
        ),
    )
    caption = blocks.CharBlock(
        required=False, max_length=250, help_text=_("Shown under the image.")
    )

    class Meta:
        icon = "image"
        template = "content/blocks/image_block.html"
        description = _("An image with alternative text and an optional caption.")
        preview_value = {"alt_text": "", "caption": "Our mentors at the spring gathering."}


class VideoBlock(blocks.StructBlock):
    video = EmbedBlock(
        help_text=_("The address of the video on a hosting service, e.g. a YouTube link.")
    )
    caption = blocks.CharBlock(
        required=False, max_length=250, help_text=_("Shown under the video.")
    )
    transcript = blocks.TextBlock(
        required=False,
        max_length=50_000,
        help_text=_("A transcript for people who prefer to read, or cannot listen."),
    )

    class Meta:
        icon = "media"
        template = "content/blocks/video_block.html"
        description = _("An embedded video with a caption and transcript.")
        preview_value = {"caption": "A message from our chief people officer."}


class QuoteBlock(blocks.StructBlock):
    text = blocks.TextBlock(max_length=600, help_text=_("The words quoted."))
    attribution = blocks.CharBlock(
        required=False, max_length=120, help_text=_("Who said it, e.g. 'A mentee in Finance'.")
    )

    class Meta:
        icon = "openquote"
        template = "content/blocks/quote_block.html"
        description = _("A quotation with who said it.")
        preview_value = {
            "text": "My mentor never gave me answers. She gave me better questions.",
            "attribution": "A mentee in Operations",
        }


class LeaderQuoteBlock(blocks.StructBlock):
    leader = SnippetChooserBlock(
        "content.LeaderProfile", help_text=_("The leader whose words these are.")
    )
    text = blocks.TextBlock(max_length=600, help_text=_("What the leader said."))

    class Meta:
        icon = "user"
        template = "content/blocks/leader_quote_block.html"
        description = _("A quotation from one of the organisation's leaders, with their portrait.")
        preview_value = {"text": "The best thing I ever did for my career was ask for help."}


class CalloutBlock(blocks.StructBlock):
    tone = blocks.ChoiceBlock(
        choices=[("tip", _("Tip")), ("note", _("Note")), ("important", _("Important"))],
        default="tip",
        help_text=_("Sets the colour and the label readers see."),
    )
    title = blocks.CharBlock(required=False, max_length=120, help_text=_("A short heading."))
    body = blocks.RichTextBlock(
        features=["bold", "italic", "link", "ul", "ol"],
        max_length=1_500,
        help_text=_("The callout's text: a few sentences."),
    )

    class Meta:
        icon = "warning"
        template = "content/blocks/callout_block.html"
        description = _("A highlighted box for a tip, a note or something important.")
        preview_value = {
            "tone": "tip",
            "title": "Agree how you will keep in touch",
            "body": "<p>Decide together how often you will meet and how to reschedule.</p>",
        }


class ReflectionPromptBlock(blocks.StructBlock):
    prompt = blocks.CharBlock(max_length=300, help_text=_("The question to reflect on."))
    guidance = blocks.TextBlock(
        required=False,
        max_length=1_000,
        help_text=_("A sentence or two to help people get started."),
    )

    class Meta:
        icon = "help"
        template = "content/blocks/reflection_prompt_block.html"
        description = _("A question that invites the reader to pause and reflect.")
        preview_value = {
            "prompt": "When did you last learn something from someone more junior than you?",
            "guidance": "Think of a specific moment. What made it possible?",
        }


class ChecklistBlock(blocks.StructBlock):
    title = blocks.CharBlock(required=False, max_length=120, help_text=_("What the list is for."))
    items = blocks.ListBlock(
        blocks.CharBlock(max_length=250, help_text=_("One thing to do or check.")),
        help_text=_("The items, in order."),
    )

    class Meta:
        icon = "tasks"
        template = "content/blocks/checklist_block.html"
        description = _("A list of things to do or check.")
        preview_value = {
            "title": "Before your first meeting",
            "items": ["Book an hour somewhere quiet", "Read each other's profile"],
        }


class DocumentBlock(blocks.StructBlock):
    document = DocumentChooserBlock(help_text=_("Choose or upload a document."))
    label = blocks.CharBlock(
        required=False,
        max_length=120,
        help_text=_("The link text; the document's title is used if blank."),
    )

    class Meta:
        icon = "doc-full"
        template = "content/blocks/document_block.html"
        description = _("A document people can download, such as a worksheet.")
        preview_value = {"label": "Goal-setting worksheet (PDF)"}


class CallToActionValue(blocks.StructValue):
    """Resolves where the button goes: a page on this site wins over a URL."""

    @cached_property
    def url(self):
        page = self.get("page")
        if page:
            return page.url
        return self.get("external_url") or ""


class CallToActionBlock(blocks.StructBlock):
    text = blocks.CharBlock(
        required=False, max_length=250, help_text=_("A sentence that says why to follow the link.")
    )
    label = blocks.CharBlock(
        max_length=60, help_text=_("The button's words, e.g. 'Read the guide'.")
    )
    page = blocks.PageChooserBlock(required=False, help_text=_("A page on this site."))
    external_url = blocks.URLBlock(
        required=False, help_text=_("Or a web address elsewhere, if no page is chosen.")
    )

    def clean(self, value):
        value = super().clean(value)
        if not value.get("page") and not value.get("external_url"):
            raise blocks.StructBlockValidationError(
                block_errors={
                    "page": ValidationError(_("Choose a page or enter a web address.")),
                }
            )
        return value

    class Meta:
        icon = "link"
        template = "content/blocks/call_to_action_block.html"
        description = _("A button that takes the reader somewhere next.")
        value_class = CallToActionValue
        preview_value = {
            "text": "Ready to find a mentor?",
            "label": "Explore the program",
            "external_url": "https://example.com/",
        }


class BodyBlock(blocks.StreamBlock):
    """The body of materials and stories."""

    paragraph = ParagraphBlock()
    markdown = MarkdownBlock()
    heading = HeadingBlock()
    image = ImageBlock()
    video = VideoBlock()
    quote = QuoteBlock()
    leader_quote = LeaderQuoteBlock()
    callout = CalloutBlock()
    reflection_prompt = ReflectionPromptBlock()
    checklist = ChecklistBlock()
    document = DocumentBlock()
    call_to_action = CallToActionBlock()
