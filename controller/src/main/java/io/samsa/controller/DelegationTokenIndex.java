package io.samsa.controller;

import io.samsa.metadata.DelegationTokenData;
import io.samsa.metadata.record.DelegationTokenRecord;
import io.samsa.metadata.record.RemoveDelegationTokenRecord;
import io.samsa.wire.protocol.Message;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The ids of the controller's delegation tokens by HMAC (KIP-48): RenewDelegationToken and ExpireDelegationToken name
 * a token by its HMAC, which the metadata log does not hold, so without it each request would recompute the HMAC of
 * every token. It is {@link #rebuild built} from the working image when the controller becomes active (computing
 * HMACs only for ids it does not hold from an earlier term), then follows the token records the active controller
 * replays into that image: a DelegationTokenRecord of an id it does not know yet adds that id's HMAC (one HMAC per
 * token, once; a renewal rewrites a known id and costs nothing), a RemoveDelegationTokenRecord drops it. While the
 * controller is not active its working image only changes wholesale, and the next activation rebuilds the index.
 *
 * <p>Not thread-safe: the controller's executor owns it.
 */
final class DelegationTokenIndex {
    private final Function<String, byte[]> hmac;
    private final Map<String, ByteBuffer> hmacById = new HashMap<>();
    private final Map<ByteBuffer, String> idByHmac = new HashMap<>();

    /** @param hmac a token id's HMAC ({@code DelegationTokenSettings#hmac}) */
    DelegationTokenIndex(Function<String, byte[]> hmac) {
        this.hmac = hmac;
    }

    /** Follows {@code records}, in log order: token records change the index, others are ignored. */
    void replay(List<? extends Message> records) {
        for (Message r : records) {
            if (r instanceof DelegationTokenRecord t) {
                add(t.tokenId());
            } else if (r instanceof RemoveDelegationTokenRecord t) {
                remove(t.tokenId());
            }
        }
    }

    /** Makes the index hold exactly the tokens of {@code tokens} (by id). */
    void rebuild(Map<String, DelegationTokenData> tokens) {
        hmacById.keySet().removeIf(id -> {
            if (tokens.containsKey(id)) {
                return false;
            }
            idByHmac.remove(hmacById.get(id));
            return true;
        });
        tokens.keySet().forEach(this::add);
    }

    /** The id of the token whose HMAC is {@code tokenHmac}, or null. */
    String tokenId(byte[] tokenHmac) {
        return tokenHmac == null ? null : idByHmac.get(ByteBuffer.wrap(tokenHmac));
    }

    /** How many tokens it holds. */
    int size() {
        return hmacById.size();
    }

    private void add(String tokenId) {
        if (!hmacById.containsKey(tokenId)) {
            ByteBuffer key = ByteBuffer.wrap(hmac.apply(tokenId));
            hmacById.put(tokenId, key);
            idByHmac.put(key, tokenId);
        }
    }

    private void remove(String tokenId) {
        ByteBuffer key = hmacById.remove(tokenId);
        if (key != null) {
            idByHmac.remove(key);
        }
    }
}
