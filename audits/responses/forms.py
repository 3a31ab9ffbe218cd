"""A trust's answer to a finding as its users type it: a comment and where the document is published."""

from django import forms

from audits import responses
from trusts import validators


class ResponseForm(forms.Form):
    comment = forms.CharField(
        label="Your comment",
        help_text="Tell the regulator what you have published and where. "
        f"Up to {responses.MAX_COMMENT_CHARS:,} characters.",
        max_length=responses.MAX_COMMENT_CHARS,
        widget=forms.Textarea(attrs={"rows": 5}),
        validators=[validators.validate_text],
        error_messages={
            "required": "Enter a comment",
            "max_length": f"The comment must be {responses.MAX_COMMENT_CHARS:,} characters or fewer",
        },
    )
    urls = forms.CharField(
        label="Where it is published",
        help_text=f"Web addresses on your organisation's website, one on each line, up to {responses.MAX_URLS}.",
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}),
        max_length=responses.MAX_URLS * 2000,
        error_messages={
            "required": "Enter at least one web address",
            "max_length": f"Enter no more than {responses.MAX_URLS} web addresses of up to 2,000 characters each",
        },
    )

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation = organisation

    def clean_urls(self) -> list[str]:
        urls = list(dict.fromkeys(line.strip() for line in self.cleaned_data["urls"].splitlines() if line.strip()))
        if len(urls) > responses.MAX_URLS:
            raise forms.ValidationError(f"Enter no more than {responses.MAX_URLS} web addresses")
        for url in urls:
            try:
                # As a browser reads it (WHATWG): no backslash, user name or password.
                validators.parse_web_address(url)
            except forms.ValidationError as error:
                raise forms.ValidationError(f"“{url}”: {' '.join(error.messages)}") from None
        if foreign := responses.foreign_urls(urls, self.organisation):
            host = responses.site_host(self.organisation) or "your organisation's website"
            raise forms.ValidationError(
                f"Enter addresses on {host} only; these are not: {', '.join(foreign)}", code="foreign"
            )
        return urls
