package io.modelwarden.connect;

import java.io.IOException;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.connector.jdbc.core.datastream.sink.JdbcSink;
import org.apache.flink.connector.jdbc.datasource.connections.JdbcConnectionProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An at-least-once {@link JdbcSink} whose writer does not throw from {@code close()}.
 *
 * <p>Why: after a batch has failed (database down, row rejected), the connector's writer still holds
 * the batch, and its {@code close()} flushes it again and throws. Flink closes operators while it
 * cleans up the already failed task, and an exception there is "FATAL - exception in exception
 * handler of task": the TaskExecutor treats it as a fatal error (a real TaskManager exits, a
 * MiniCluster job hangs) instead of a plain task failure that the restart strategy handles. Seen with
 * flink-connector-jdbc-core 4.0.0-2.0 on Flink 2.2.0.
 *
 * <p>Nothing is lost by not throwing there: the failure that matters was already thrown from
 * {@code write}/{@code flush} and fails the task, and on the success path {@code flush(true)} has
 * written everything before {@code close()}. Records still buffered at a failure are replayed from
 * the last checkpoint (at-least-once) and deduplicated by {@code ON CONFLICT}. After a failed close
 * the connection is closed here (the connector skips that when its flush throws).
 *
 * <p>At-least-once only: the connector's writer state and committables are empty in that mode, so
 * this plain {@link Sink} needs neither.
 */
final class CloseSafeSink<IN> implements Sink<IN> {
    private static final long serialVersionUID = 1L;

    private final JdbcSink<IN> delegate;
    /** The same instance the delegate writes through (one serialized object graph). */
    private final JdbcConnectionProvider connections;

    CloseSafeSink(JdbcSink<IN> delegate, JdbcConnectionProvider connections) {
        this.delegate = delegate;
        this.connections = connections;
    }

    @Override
    public SinkWriter<IN> createWriter(WriterInitContext context) throws IOException {
        return new Writer<>(delegate.createWriter(context), connections);
    }

    private static final class Writer<IN> implements SinkWriter<IN> {
        private static final Logger LOG = LoggerFactory.getLogger(CloseSafeSink.class);
        private final SinkWriter<IN> writer;
        private final JdbcConnectionProvider connections;

        Writer(SinkWriter<IN> writer, JdbcConnectionProvider connections) {
            this.writer = writer;
            this.connections = connections;
        }

        @Override
        public void write(IN element, Context context) throws IOException, InterruptedException {
            writer.write(element, context);
        }

        @Override
        public void flush(boolean endOfInput) throws IOException, InterruptedException {
            writer.flush(endOfInput);
        }

        @Override
        public void writeWatermark(Watermark watermark) throws IOException, InterruptedException {
            writer.writeWatermark(watermark);
        }

        @Override
        public void close() {
            try {
                writer.close();
            } catch (Exception e) {
                LOG.warn("JDBC writer could not flush its last batch on close (the task has failed or is"
                        + " cancelled; the batch is replayed from the last checkpoint): {}", e.toString());
                connections.closeConnection();
            }
        }
    }
}
