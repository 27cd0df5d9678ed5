package io.samsa.server.handler.txn;

import io.samsa.coordinator.GroupCoordinator;
import io.samsa.coordinator.TransactionCoordinator;
import io.samsa.server.BrokerServices;
import io.samsa.server.coordinator.TransactionCoordinatorService;
import io.samsa.server.handler.SupportedApis;
import io.samsa.server.handler.data.DataApis;
import io.samsa.server.handler.group.CoordinatorCallHandler;
import io.samsa.server.handler.group.GroupApis;
import io.samsa.wire.message.AddOffsetsToTxnRequest;
import io.samsa.wire.message.AddOffsetsToTxnResponse;
import io.samsa.wire.message.AddPartitionsToTxnRequest;
import io.samsa.wire.message.DescribeTransactionsRequest;
import io.samsa.wire.message.DescribeTransactionsResponse;
import io.samsa.wire.message.EndTxnRequest;
import io.samsa.wire.message.EndTxnResponse;
import io.samsa.wire.message.FindCoordinatorRequest;
import io.samsa.wire.message.InitProducerIdRequest;
import io.samsa.wire.message.ListTransactionsRequest;
import io.samsa.wire.message.ListTransactionsResponse;
import io.samsa.wire.message.TxnOffsetCommitRequest;
import io.samsa.wire.message.WriteTxnMarkersRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Registers the transaction APIs' handlers in the broker's API table and starts the transaction coordinator:
 * InitProducerId (idempotent and transactional), AddPartitionsToTxn, AddOffsetsToTxn, EndTxn, TxnOffsetCommit,
 * WriteTxnMarkers, DescribeTransactions, ListTransactions, FindCoordinator for TRANSACTION keys, and Produce with
 * transactional batches (in place of the data APIs' Produce). Called once at start-up after the data and group APIs
 * (markers of {@code __consumer_offsets} partitions go through the group coordinator);
 * the caller closes the returned service at shutdown, before the group coordinator's.
 */
public final class TxnApis {
    private static final Logger log = LoggerFactory.getLogger(TxnApis.class);

    private TxnApis() {
    }

    /** Registers the handlers and starts the coordinator; returns it for the broker to close. */
    public static TransactionCoordinatorService register(SupportedApis.Builder apis, BrokerServices services,
                                                         GroupCoordinator groups) {
        TransactionCoordinatorService service = new TransactionCoordinatorService(services, groups);
        service.start().whenComplete((v, e) -> {
            if (e != null) {
                log.error("The transaction coordinator could not follow metadata", e);
            }
        });
        TransactionCoordinator tc = service.coordinator();
        boolean verify = services.config().getBoolean("transaction.partition.verification.enable");

        apis.replaceHandler(FindCoordinatorRequest.API_KEY, GroupApis.findCoordinator(services, groups, tc));
        DataApis.withTransactions(apis, services, service.verifier());
        apis.add(InitProducerIdRequest.API_KEY, 0, 5, new InitProducerIdHandler(services.metadata().producerIds(),
                tc, services.metadata()::image));
        apis.add(AddPartitionsToTxnRequest.API_KEY, 0, 5,
                new AddPartitionsToTxnHandler(tc, services.metadata()::image));
        apis.add(AddOffsetsToTxnRequest.API_KEY, 0, 4, new CoordinatorCallHandler<>(AddOffsetsToTxnRequest.class,
                tc::addOffsetsToTxn, (r, c) -> new AddOffsetsToTxnResponse().setErrorCode(c)));
        apis.add(EndTxnRequest.API_KEY, 0, 5, new CoordinatorCallHandler<>(EndTxnRequest.class, tc::endTxn,
                (r, c) -> new EndTxnResponse().setErrorCode(c).setProducerId(-1).setProducerEpoch((short) -1)));
        apis.add(WriteTxnMarkersRequest.API_KEY, 1, 2, new WriteTxnMarkersHandler(service.markers()));
        apis.add(TxnOffsetCommitRequest.API_KEY, 0, 6, new TxnOffsetCommitHandler(groups, service.verifier(),
                verify));
        apis.add(DescribeTransactionsRequest.API_KEY, 0, 0, new CoordinatorCallHandler<>(
                DescribeTransactionsRequest.class, tc::describeTransactions,
                (r, c) -> new DescribeTransactionsResponse()));
        apis.add(ListTransactionsRequest.API_KEY, 0, 2, new CoordinatorCallHandler<>(ListTransactionsRequest.class,
                tc::listTransactions, (r, c) -> new ListTransactionsResponse().setErrorCode(c)));
        return service;
    }
}
