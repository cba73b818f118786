"""What members see: embeds, buttons, presenters, images and the text helpers they share. No storage."""
