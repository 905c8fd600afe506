package io.modelwarden.scan;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.stream.Stream;
import org.apache.flink.client.ClientUtils;
import org.apache.flink.client.deployment.executors.PipelineExecutorUtils;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.DeploymentOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.PipelineExecutor;
import org.apache.flink.core.execution.PipelineExecutorFactory;
import org.apache.flink.core.execution.PipelineExecutorServiceLoader;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.runtime.minicluster.MiniClusterJobClient;
import org.apache.flink.runtime.minicluster.RpcServiceSharing;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;

/**
 * One embedded MiniCluster for both passes of a local scan. Flink's local environment starts a
 * MiniCluster for every job and stops it afterwards; the scan runs two jobs, so the second one paid
 * for a second start (0.7 s on 2 cores, plus its shutdown). Started on first use, or ahead of it by
 * {@link #startInBackground()} while the client reads the input's layout; closed by {@link #close()}.
 * Only for runs without a cluster: under {@code flink run} the context environment submits to the
 * cluster as before.
 */
final class LocalCluster implements AutoCloseable {
    private static final String EXECUTOR = "warden-local-cluster";
    private final Configuration config;
    private final int slots;
    private MiniCluster cluster;
    private CompletableFuture<MiniCluster> starting;

    /** @param config the jobs' configuration (TaskManager keys among them apply to the cluster) */
    LocalCluster(Configuration config, int slots) {
        this.config = new Configuration(config);
        this.config.set(RestOptions.BIND_PORT, "0");
        this.slots = slots;
    }

    /** An environment that submits to this cluster, with the given configuration and parallelism. */
    StreamExecutionEnvironment environment(Configuration jobConfig, int parallelism) {
        Configuration conf = new Configuration(jobConfig);
        conf.set(DeploymentOptions.TARGET, EXECUTOR);
        conf.set(DeploymentOptions.ATTACHED, true);
        StreamExecutionEnvironment env = new StreamExecutionEnvironment(new Loader(), conf, Thread.currentThread().getContextClassLoader());
        env.setParallelism(parallelism);
        return env;
    }

    /** Starts the cluster on a thread of its own (the start is mostly class loading, on one core). */
    synchronized void startInBackground() {
        if (starting == null && cluster == null) {
            starting = CompletableFuture.supplyAsync(() -> {
                try {
                    return newCluster();
                } catch (Exception e) {
                    throw new CompletionException(e);
                }
            }, ownThread("warden-start-cluster"));
        }
    }

    /**
     * Runs a task on a daemon thread of its own: the common fork-join pool has one thread on a
     * 2-core machine, where the cluster's start and the fingerprint would wait for each other.
     */
    static java.util.concurrent.Executor ownThread(String name) {
        return task -> {
            Thread t = new Thread(task, name);
            t.setDaemon(true);
            t.start();
        };
    }

    private synchronized MiniCluster started() throws Exception {
        if (cluster == null && starting != null) {
            try {
                cluster = starting.join();
            } catch (CompletionException e) {
                throw e.getCause() instanceof Exception cause ? cause : e;
            } finally {
                starting = null;
            }
        }
        if (cluster == null) {
            cluster = newCluster();
        }
        return cluster;
    }

    private MiniCluster newCluster() throws Exception {
        MiniCluster c = new MiniCluster(new MiniClusterConfiguration.Builder()
                .setConfiguration(config)
                .setNumTaskManagers(1)
                .setNumSlotsPerTaskManager(slots)
                .setRpcServiceSharing(RpcServiceSharing.SHARED)
                .build());
        c.start();
        return c;
    }

    private CompletableFuture<JobClient> submit(StreamGraph graph, ClassLoader classLoader) throws Exception {
        MiniCluster c = started();
        return c.submitJob(graph).thenApply(submitted -> {
            try {
                ClientUtils.waitUntilJobInitializationFinished(
                        () -> c.getJobStatus(submitted.getJobID()).get(), () -> c.requestJobResult(submitted.getJobID()).get(), classLoader);
            } catch (Exception e) {
                throw new CompletionException(e);
            }
            return new MiniClusterJobClient(submitted.getJobID(), c, classLoader, MiniClusterJobClient.JobFinalizationBehavior.NOTHING);
        });
    }

    @Override
    public synchronized void close() throws Exception {
        if (starting != null) {
            try {
                cluster = starting.join();
            } catch (CompletionException e) {
                // it never started: nothing to stop
            }
            starting = null;
        }
        if (cluster != null) {
            cluster.close();
            cluster = null;
        }
    }

    /** The executors of {@link #environment}: every pipeline goes to this cluster. */
    private final class Loader implements PipelineExecutorServiceLoader, PipelineExecutorFactory, PipelineExecutor {
        @Override
        public PipelineExecutorFactory getExecutorFactory(Configuration configuration) {
            return this;
        }

        @Override
        public Stream<String> getExecutorNames() {
            return Stream.of(getName());
        }

        @Override
        public String getName() {
            return EXECUTOR;
        }

        @Override
        public boolean isCompatibleWith(Configuration configuration) {
            return true;
        }

        @Override
        public PipelineExecutor getExecutor(Configuration configuration) {
            return this;
        }

        @Override
        public CompletableFuture<JobClient> execute(org.apache.flink.api.dag.Pipeline pipeline, Configuration configuration, ClassLoader classLoader) throws Exception {
            return submit(PipelineExecutorUtils.getStreamGraph(pipeline, configuration), classLoader);
        }
    }
}
