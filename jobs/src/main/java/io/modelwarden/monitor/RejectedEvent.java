package io.modelwarden.monitor;

/** An event the monitor could not use, with the reason. A Flink POJO. */
public final class RejectedEvent {
    public String reason;
    public String detail;
    public String raw;

    public RejectedEvent() {}

    public RejectedEvent(String reason, String detail, String raw) {
        this.reason = reason;
        this.detail = detail;
        this.raw = raw;
    }
}
