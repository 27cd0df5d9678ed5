package io.samsa.log;

/**
 * What a leader's append of a transactional batch proves about its transaction (KIP-890 part 1): the partition only
 * starts a producer's transaction when the transaction coordinator has confirmed that the partition is in it, so that
 * a batch that arrives after its transaction was ended (a late retry, a zombie) cannot open a transaction that no
 * marker will ever close (a "hanging" transaction, which would hold the last stable offset back forever).
 *
 * <p>The produce path asks the log for a guard ({@link Log#startTransactionVerification}) before it asks the
 * coordinator, and appends with it once the coordinator confirmed: the append succeeds only when the guard is still
 * the producer's (a marker in between ends the verification), or the producer's transaction is already ongoing in
 * the partition. Three kinds of value:
 *
 * <ul>
 *   <li>{@link #NONE}: the caller does not verify (verification disabled, a coordinator's own write, tests):
 *       transactional batches start transactions as they come, as before KIP-890;</li>
 *   <li>{@link #SENTINEL}: nothing was verified: a transactional batch is accepted only when its producer's
 *       transaction is already ongoing here;</li>
 *   <li>a guard from {@link Log#startTransactionVerification}: accepted while it is still the producer's.</li>
 * </ul>
 *
 * <p>Compared by identity. Immutable and thread-safe (a guard is created on the partition's writer thread and may be
 * carried by any thread back to it).
 */
public final class VerificationGuard {
    /** No verification is asked for. */
    public static final VerificationGuard NONE = new VerificationGuard("NONE");
    /** Verification is asked for and nothing was verified. */
    public static final VerificationGuard SENTINEL = new VerificationGuard("SENTINEL");

    private final String name;

    private VerificationGuard(String name) {
        this.name = name;
    }

    /** A new guard for one verification (the log's producer state makes them). */
    public static VerificationGuard newGuard() {
        return new VerificationGuard("guard");
    }

    /** True for a guard that a verification created (neither {@link #NONE} nor {@link #SENTINEL}). */
    public boolean isGuard() {
        return this != NONE && this != SENTINEL;
    }

    @Override
    public String toString() {
        return isGuard() ? "VerificationGuard@" + Integer.toHexString(System.identityHashCode(this)) : name;
    }
}
