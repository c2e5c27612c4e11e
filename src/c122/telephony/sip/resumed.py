"""A confirmed dialog that a stopped process established, taken over by the restarted one.

No INVITE transaction is left to finish: the call starts confirmed, with the stored dialog and both
SDPs, and is routed BYE, re-INVITE, INFO and the rest like any call of this run.
"""

from __future__ import annotations

from c122.telephony.sip.call import Call
from c122.telephony.sip.call_host import CallHost
from c122.telephony.sip.dialog import Dialog
from c122.telephony.sip.sdp import SessionDescription


class ResumedCall(Call):
    def __init__(
        self, host: CallHost, dialog: Dialog, local_sdp: SessionDescription, remote_sdp: SessionDescription
    ) -> None:
        super().__init__(host, dialog.call_id)
        self.state = "confirmed"
        self.dialog = dialog
        self.local_sdp = local_sdp
        self.remote_sdp = remote_sdp

    def abandon(self) -> None:
        """The take-over failed before the call was adopted: it ends here, without a request; the
        restart's BYE ends the stored dialog instead."""
        self._end("not-resumed")
