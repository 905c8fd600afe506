package io.modelwarden.cli;

import io.modelwarden.config.ConfigException;
import io.modelwarden.monitor.MonitorJob;
import io.modelwarden.scan.ScanJob;
import java.io.File;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.flink.api.common.JobID;
import org.apache.flink.client.ClientUtils;
import org.apache.flink.client.deployment.StandaloneClusterId;
import org.apache.flink.client.deployment.executors.RemoteExecutor;
import org.apache.flink.client.program.PackagedProgram;
import org.apache.flink.client.program.rest.RestClusterClient;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.DeploymentOptions;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.core.execution.DefaultExecutorServiceLoader;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.jobgraph.SavepointRestoreSettings;
import org.apache.flink.runtime.messages.webmonitor.JobDetails;
import org.apache.flink.runtime.rest.messages.EmptyMessageParameters;
import org.apache.flink.runtime.rest.messages.EmptyRequestBody;
import org.apache.flink.runtime.rest.messages.JobsOverviewHeaders;

/**
 * What an operator does with a remote Flink cluster through its REST endpoint (as {@code flink run}
 * does it): submit the job jar with a job's arguments, list
 * the project's jobs, stop one with a savepoint. Submission runs the job's main method here, in this
 * process, against the cluster (the scan's client side, its report and baseline, is written by this
 * machine, so its output folder must be a path both this machine and the cluster can reach).
 */
final class FlinkCluster {
    /** The names the jobs execute under ({@link ScanJob}'s two passes, {@link MonitorJob}). */
    static final List<String> JOB_NAMES = List.of(ScanJob.PROFILE_JOB_NAME, ScanJob.SCORE_JOB_NAME, MonitorJob.JOB_NAME);

    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

    private final String host;
    private final int port;

    private FlinkCluster(String host, int port) {
        this.host = host;
        this.port = port;
    }

    /** {@code HOST:PORT} of the cluster's REST endpoint (the web UI's address). */
    static FlinkCluster at(String jobmanager) {
        int colon = jobmanager.lastIndexOf(':');
        int port = -1;
        if (colon > 0) {
            try {
                port = Integer.parseInt(jobmanager.substring(colon + 1));
            } catch (NumberFormatException e) {
                port = -1;
            }
        }
        if (port <= 0 || port > 65535) {
            throw ConfigException.invalid("--jobmanager", "HOST:PORT of the cluster's REST endpoint", "'" + jobmanager + "'");
        }
        return new FlinkCluster(jobmanager.substring(0, colon), port);
    }

    String address() {
        return host + ":" + port;
    }

    /** The client configuration: the REST endpoint, and few quick retries so an unreachable cluster fails fast. */
    Configuration configuration() {
        Configuration conf = new Configuration();
        conf.set(RestOptions.ADDRESS, host);
        conf.set(RestOptions.PORT, port);
        conf.set(RestOptions.RETRY_MAX_ATTEMPTS, 2);
        conf.set(RestOptions.RETRY_DELAY, Duration.ofMillis(500));
        return conf;
    }

    /** One row of {@code warden jobs}. */
    record Job(String id, String name, String state, long startMillis, long durationMillis) {}

    /** The project's jobs on the cluster (by {@link #JOB_NAMES}), the newest first. */
    List<Job> jobs() throws ClusterException {
        List<Job> out = new ArrayList<>();
        try (RestClusterClient<StandaloneClusterId> client = client()) {
            for (JobDetails d : client.sendRequest(JobsOverviewHeaders.getInstance(), EmptyMessageParameters.getInstance(),
                            EmptyRequestBody.getInstance())
                    .get(REQUEST_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                    .getJobs()) {
                if (JOB_NAMES.contains(d.getJobName())) {
                    out.add(new Job(d.getJobId().toHexString(), d.getJobName(), d.getStatus().name(), d.getStartTime(), d.getDuration()));
                }
            }
        } catch (ExecutionException | TimeoutException e) {
            throw unreachable(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unreachable(e);
        }
        out.sort(Comparator.comparingLong(Job::startMillis).reversed());
        return out;
    }

    /** Stops a job with a final savepoint into {@code savepointDir}; returns the savepoint's path. */
    String stopWithSavepoint(String jobId, String savepointDir) throws ClusterException {
        JobID id;
        try {
            id = JobID.fromHexString(jobId);
        } catch (IllegalArgumentException e) {
            throw ConfigException.invalid("JOBID", "a 32-digit hex job id (see warden jobs)", "'" + jobId + "'");
        }
        try (RestClusterClient<StandaloneClusterId> client = client()) {
            return client.stopWithSavepoint(id, false, savepointDir, SavepointFormatType.CANONICAL).get();
        } catch (ExecutionException e) {
            throw new ClusterException("stopping " + jobId + " at " + address() + " failed: " + rootMessage(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unreachable(e);
        }
    }

    /**
     * Runs {@code entryPointArgs} (a {@code warden scan|monitor} command line) through {@link
     * SubmittedJob} against the cluster, as {@code flink run} does; returns the ids of the jobs it
     * submitted. Attached: waits for each job to end; detached: returns once submitted.
     */
    List<JobID> submit(File jar, boolean attached, String savepoint, Integer parallelism, List<String> entryPointArgs)
            throws Exception {
        jobs(); // one quick request first: an unreachable cluster is a one-line error, not a failed job
        Configuration conf = configuration();
        conf.set(DeploymentOptions.TARGET, RemoteExecutor.NAME);
        conf.set(DeploymentOptions.ATTACHED, attached);
        conf.set(PipelineOptions.JARS, List.of(jar.toURI().toString()));
        // This process has the job's classes on its classpath already: one copy of them, so the
        // listener below and the exit code reach this code.
        conf.set(CoreOptions.CLASSLOADER_RESOLVE_ORDER, "parent-first");
        conf.set(DeploymentOptions.JOB_LISTENERS, List.of(SubmittedJob.Listener.class.getName()));
        if (parallelism != null) {
            conf.set(CoreOptions.DEFAULT_PARALLELISM, parallelism);
        }
        SavepointRestoreSettings restore = savepoint == null ? SavepointRestoreSettings.none() : SavepointRestoreSettings.forPath(savepoint);
        SavepointRestoreSettings.toConfiguration(restore, conf);
        PackagedProgram program = PackagedProgram.newBuilder()
                .setJarFile(jar)
                .setEntryPointClassName(SubmittedJob.class.getName())
                .setArguments(entryPointArgs.toArray(new String[0]))
                .setConfiguration(conf)
                .setSavepointRestoreSettings(restore)
                .build();
        List<JobID> submitted = SubmittedJob.Listener.startRecording();
        try {
            ClientUtils.executeProgram(new DefaultExecutorServiceLoader(), conf, program, false, false);
        } finally {
            SubmittedJob.Listener.stopRecording();
            program.close();
        }
        return submitted;
    }

    private RestClusterClient<StandaloneClusterId> client() throws ClusterException {
        try {
            return new RestClusterClient<>(configuration(), StandaloneClusterId.getInstance());
        } catch (Exception e) {
            throw unreachable(e);
        }
    }

    private ClusterException unreachable(Exception e) {
        return new ClusterException("cannot reach the Flink REST endpoint at " + address() + ": " + rootMessage(e));
    }

    private static String rootMessage(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String msg = root.getMessage() == null ? "" : root.getMessage().lines().findFirst().orElse("");
        return root.getClass().getSimpleName() + (msg.isEmpty() ? "" : ": " + msg);
    }

    /** The cluster could not be reached or refused a request: one line, exit code 1. */
    static final class ClusterException extends Exception {
        private static final long serialVersionUID = 1L;

        ClusterException(String message) {
            super(message);
        }
    }
}
