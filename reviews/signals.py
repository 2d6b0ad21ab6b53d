"""What happens to reviews and questions, for the parts of the area that follow it (the inbox,
mail). Sent inside the transaction of the change, like `storefront.orders.signals`: receivers only
write rows, and one that raises rolls the change back.

Every signal is sent with `now=` (an aware UTC datetime).
"""
from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# A review was written (sender: the Review, already flushed), whatever its status.
review_submitted = _signals.signal("review-submitted")
# A reviewer edited their review (sender: the Review, after the edit; `previous_rating=` the
# rating it had before).
review_edited = _signals.signal("review-edited")
# A reviewer added their update after the brand's reply (sender: the Review, its `rating` the new
# one; `previous_rating=` the rating it had before).
review_updated = _signals.signal("review-updated")
# A shopper reported a review (sender: the Review; `report=` the ReviewReport).
review_reported = _signals.signal("review-reported")
# The brand's official reply appeared (sender: the Reply; `actor=` the staff User).
review_replied = _signals.signal("review-replied")
# A question was asked (sender: the Question).
question_asked = _signals.signal("question-asked")
# A question got an answer (sender: the Answer; `actor=` the staff User, or None for a buyer).
question_answered = _signals.signal("question-answered")
# Staff withheld a review (sender: the `moderation.ModerationSubject` as it was before, which holds
# no rating; `reason=` the WithholdReason, `actor=` the staff User or None for the system).
review_withheld = _signals.signal("review-withheld")
# Staff published a review that waited for a look or was withheld (sender: the ModerationSubject as
# it was before: its `status` says which; `actor=` as above).
review_published = _signals.signal("review-published")
# Staff withheld a question (sender: the Question; `reason=` the WithholdReason, `actor=` the staff User).
question_withheld = _signals.signal("question-withheld")
