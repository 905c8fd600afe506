package io.modelwarden.cli;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.JobID;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.JobListener;

/**
 * The entry point {@code warden submit} runs against a cluster: a {@code warden scan|monitor}
 * command line, like {@code ScanJob.main} and {@code MonitorJob.main} but without {@code
 * System.exit}, so the submitting process goes on to report the job ids. A non-zero exit code
 * becomes an {@link Exit} (the job's own one-line error has been printed already).
 */
public final class SubmittedJob {
    private SubmittedJob() {}

    public static void main(String[] args) {
        int code = Warden.run(args);
        if (code != Warden.EXIT_OK) {
            throw new Exit(code);
        }
    }

    /** The submitted command line ended with this exit code. */
    static final class Exit extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final int code;

        Exit(int code) {
            super("exit code " + code);
            this.code = code;
        }
    }

    /**
     * Registered through {@code execution.job-listeners}: prints each job id as it is submitted (an
     * attached scan then runs for a while) and records it for {@code warden submit}'s summary.
     */
    public static final class Listener implements JobListener {
        private static List<JobID> recording;

        static synchronized List<JobID> startRecording() {
            recording = Collections.synchronizedList(new ArrayList<>());
            return recording;
        }

        static synchronized void stopRecording() {
            recording = null;
        }

        private static synchronized void record(JobID id) {
            if (recording != null) {
                recording.add(id);
            }
        }

        @Override
        public void onJobSubmitted(JobClient client, Throwable failure) {
            if (client != null) {
                record(client.getJobID());
            }
        }

        @Override
        public void onJobExecuted(JobExecutionResult result, Throwable failure) {}
    }
}
