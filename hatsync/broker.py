"""The embedded broker: kombu's filesystem transport, with each message written atomically.

kombu's own `_put` creates the message file and then writes it, and its `_get` takes any file
it sees (file locks are advisory, and the reader takes none): a worker could take a message
still empty and die on it ("Unrecoverable error: JSONDecodeError", seen in bin/soak on the
embedded broker). Here the message is written under a name no reader takes, then renamed into
place, which is atomic on one filesystem.
"""

import os
import time
import uuid

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps


class Channel(filesystem.Channel):
    def _put(self, queue, payload, **kwargs) -> None:
        name = f"{round(time.monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        partial = final + ".part"  # readers take only names ending in ".<queue>.msg"
        try:
            with open(partial, "wb") as message:
                message.write(str_to_bytes(dumps(payload)))
            os.replace(partial, final)
        except OSError as error:
            raise ChannelError(f"Cannot add file {final!r} to directory") from error


class Transport(filesystem.Transport):
    Channel = Channel
