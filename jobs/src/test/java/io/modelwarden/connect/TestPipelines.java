package io.modelwarden.connect;

import io.modelwarden.model.Finding;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExecutionOptions;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;

/** The MiniCluster and environments the sink integration tests run their pipelines on. */
public final class TestPipelines {
    static final int PARALLELISM = 2;

    private TestPipelines() {}

    public static MiniClusterExtension miniCluster() {
        return new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
                .setNumberTaskManagers(1)
                .setNumberSlotsPerTaskManager(PARALLELISM)
                .build());
    }

    /**
     * Parallelism 2, Kryo off, and an explicit fixed-delay restart strategy (Flink 2's default is
     * exponential-delay, STACK.md G9): {@code restarts} attempts 200 ms apart, then the job fails.
     */
    static StreamExecutionEnvironment env(RuntimeExecutionMode mode, int restarts) {
        Configuration conf = new Configuration();
        conf.set(ExecutionOptions.RUNTIME_MODE, mode);
        conf.set(PipelineOptions.GENERIC_TYPES, false);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, restarts);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(200));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(PARALLELISM);
        return env;
    }

    /**
     * Runs a job that must fail: returns its failure, or throws if it has not ended within
     * {@code timeout} (the job is cancelled then).
     */
    static Throwable failureOf(StreamExecutionEnvironment env, String name, Duration timeout) throws Exception {
        JobClient job = env.executeAsync(name);
        try {
            job.getJobExecutionResult().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            assertThat(job.getJobStatus().get()).isEqualTo(JobStatus.FAILED);
            return e;
        } catch (TimeoutException e) {
            job.cancel().get();
            throw new AssertionError("job " + name + " neither failed nor finished within " + timeout, e);
        }
        throw new AssertionError("job " + name + " succeeded but was expected to fail");
    }

    /** findings -> rebalance over both subtasks -> the configured sinks. */
    static void attach(StreamExecutionEnvironment env, List<Finding> findings, SinkOptions options) {
        DataStream<Finding> stream = env.fromData(Finding.class, findings.toArray(new Finding[0])).rebalance();
        FindingSinks.attach(stream, options);
    }
}
