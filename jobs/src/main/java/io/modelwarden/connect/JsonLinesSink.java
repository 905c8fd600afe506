package io.modelwarden.connect;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamSink;

/**
 * Writes a stream as one JSON Lines file ({@code findings.jsonl}, {@code rejected.jsonl}) through
 * Flink's file systems, so the same sink writes to a laptop folder and to a shared path on a cluster.
 * It runs with parallelism 1 so that the output is one file; a restarted attempt rewrites it whole.
 * The streams written this way are small next to the input (flagged and rejected rows only).
 */
public final class JsonLinesSink<T> implements Sink<T> {
    private static final long serialVersionUID = 1L;

    /** Renders one element as one line (no newline inside). */
    @FunctionalInterface
    public interface Renderer<T> extends Serializable {
        String render(T element);
    }

    private final String path;
    private final Renderer<T> renderer;

    public JsonLinesSink(String path, Renderer<T> renderer) {
        this.path = path;
        this.renderer = renderer;
    }

    /** Attaches the sink with parallelism 1 and the given uid/name. */
    public static <T> DataStreamSink<T> attach(DataStream<T> stream, String path, Renderer<T> renderer, String uid) {
        return stream.sinkTo(new JsonLinesSink<>(path, renderer)).setParallelism(1).uid(uid).name(uid);
    }

    @Override
    public SinkWriter<T> createWriter(WriterInitContext context) throws IOException {
        Path p = new Path(path);
        FileSystem fs = p.getFileSystem();
        BufferedWriter out = new BufferedWriter(new OutputStreamWriter(fs.create(p, FileSystem.WriteMode.OVERWRITE), StandardCharsets.UTF_8), 1 << 16);
        return new SinkWriter<>() {
            @Override
            public void write(T element, Context ctx) throws IOException {
                out.write(renderer.render(element));
                out.write('\n');
            }

            @Override
            public void flush(boolean endOfInput) throws IOException {
                out.flush();
            }

            @Override
            public void close() throws IOException {
                out.close();
            }
        };
    }
}
