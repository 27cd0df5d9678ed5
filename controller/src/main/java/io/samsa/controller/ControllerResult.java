package io.samsa.controller;

import io.samsa.wire.protocol.Message;
import java.util.List;

/** What an operation produces: the records to commit and the response to give once they are. */
record ControllerResult<T>(List<Message> records, T response) {
    ControllerResult {
        records = List.copyOf(records);
    }
}
