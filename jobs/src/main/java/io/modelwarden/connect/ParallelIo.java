package io.modelwarden.connect;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * One I/O call per item on a few threads, the results in item order: the reads the client makes
 * before a scan's first pass (headers, footers, line counts), each a round trip on an object store.
 * The first item's failure, in item order, is the one thrown, as the call threw it.
 */
final class ParallelIo {
    private ParallelIo() {}

    /** A read of one item. */
    interface Call<T, R> {
        R apply(T item) throws IOException;
    }

    static <T, R> List<R> map(List<T> items, int threads, String threadName, Call<T, R> call) throws IOException {
        List<R> out = new ArrayList<>(items.size());
        if (items.size() <= 1 || threads <= 1) {
            for (T item : items) {
                out.add(call.apply(item));
            }
            return out;
        }
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(threads, items.size()), r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<R>> futures = new ArrayList<>();
            for (T item : items) {
                futures.add(pool.submit(() -> call.apply(item)));
            }
            for (Future<R> f : futures) {
                out.add(f.get());
            }
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while reading " + threadName);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw io;
            }
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new IOException(cause);
        } finally {
            pool.shutdownNow();
        }
    }
}
