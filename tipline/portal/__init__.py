"""The reporter's status portal: one page above intake, cases, rewards and the hotline, gathering the
section each of them gives as data (tipline.portal.views)."""
