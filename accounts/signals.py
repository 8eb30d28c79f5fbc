"""What accounts tells the apps above it, so that it imports none of them."""

from django.dispatch import Signal

# Sent inside the invitation's transaction, in the school's schema, when an invitation that names
# a pupil is accepted (invitation=, user=, ip=). The journal links the pupil's account or the
# parent's guardianship; a ValidationError from a receiver refuses the whole acceptance.
pupil_invitation_accepted = Signal()
