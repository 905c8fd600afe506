package io.modelwarden.detect.serving;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelwarden.model.InferenceEvent;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;

/** Test helpers: run a detector over a client's events, count alerted clients, measure state. */
final class DetectorRuns {
    private DetectorRuns() {}

    /** 1-based index of the first event that raised a detection, or -1. */
    static <S> int firstAlarm(ServingDetector<S> d, List<InferenceEvent> events) {
        S s = d.newState();
        for (int i = 0; i < events.size(); i++) {
            if (d.observe(s, events.get(i)).isPresent()) {
                return i + 1;
            }
        }
        return -1;
    }

    /** All detections of one client's stream. */
    static <S> List<ServingDetection> detections(ServingDetector<S> d, S s, List<InferenceEvent> events) {
        List<ServingDetection> out = new ArrayList<>();
        for (InferenceEvent e : events) {
            d.observe(s, e).ifPresent(out::add);
        }
        return out;
    }

    /** Clients with at least one detection. */
    static <S> int alertedClients(ServingDetector<S> d, List<List<InferenceEvent>> clients) {
        int n = 0;
        for (List<InferenceEvent> c : clients) {
            if (firstAlarm(d, c) > 0) {
                n++;
            }
        }
        return n;
    }

    /**
     * Approximate payload bytes of a state POJO: primitive array elements at their width, strings at 2
     * bytes a char + 40, scalar fields at 8. Also asserts the POJO contract: public no-arg constructor,
     * public non-static fields of primitives, primitive arrays, strings or string arrays only.
     */
    static long stateBytes(Object state) throws Exception {
        Class<?> type = state.getClass();
        assertThat(Modifier.isPublic(type.getConstructor().getModifiers())).isTrue();
        long bytes = 0;
        for (Field f : type.getDeclaredFields()) {
            if (Modifier.isStatic(f.getModifiers())) {
                continue;
            }
            assertThat(Modifier.isPublic(f.getModifiers())).as(f.getName()).isTrue();
            Class<?> t = f.getType();
            Object v = f.get(state);
            if (t.isPrimitive()) {
                bytes += 8;
            } else if (t == String.class) {
                bytes += v == null ? 8 : 40 + 2L * ((String) v).length();
            } else if (t == String[].class) {
                for (String s : (String[]) v) {
                    bytes += s == null ? 8 : 40 + 2L * s.length();
                }
            } else {
                assertThat(t.isArray() && t.getComponentType().isPrimitive()).as(f.getName() + " is " + t).isTrue();
                int len = java.lang.reflect.Array.getLength(v);
                Class<?> c = t.getComponentType();
                int width = c == long.class || c == double.class ? 8 : c == int.class || c == float.class ? 4 : c == short.class || c == char.class ? 2 : 1;
                bytes += 16 + (long) len * width;
            }
        }
        return bytes;
    }
}
