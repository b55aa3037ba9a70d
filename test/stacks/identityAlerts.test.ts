// Issue 26 under the committed stacks: who runs the Databricks code (a service principal, never
// the deployer), who may change it (a folder the stack owns, not /Shared), what each identity may
// read or write in Unity Catalog, who hears when something fails, and the IAM propagation waits.
// Mocks cannot prove that Databricks accepts these grants or that SNS delivers mail: they prove
// the graph holds them, wired to the right principal and topic.
import { expect } from "chai";
import { ACCOUNT_ID, harness, PulumiHarness, REGION } from "../../tools/pulumi-mock/mockEngine";
import { readStackConfig, runStack } from "../../tools/pulumi-mock/mockRun";
import { IAM_PROPAGATION_WAIT } from "../../components/databricks/databricksStorage";
import { RUN_AS_PRIVILEGES } from "../../components/databricks/databricksIdentity";
import { recoverAction } from "../../components/natInstance";

const NS = "pinterest-pipeline";
const SP_APP_ID = "5a1e0000-0000-4000-8000-00000000a11d";
const TOPIC = (stack: string) => `arn:aws:sns:${REGION}:${ACCOUNT_ID}:pin-${stack}-alerts`;
const databricksOf = (stack: string) => readStackConfig(stack)[`${NS}:databricks`] as object;

/** The mocked workspace gives a created service principal its application id. */
function withWorkspaceIdentity(h: PulumiHarness): PulumiHarness {
  return h.compute("databricks:index/servicePrincipal:ServicePrincipal", () => ({
    applicationId: SP_APP_ID,
  }));
}

describe("identity, permissions and alerts (issue 26)", function () {
  this.timeout(60_000);
  let h: PulumiHarness;
  beforeEach(() => {
    h = withWorkspaceIdentity(harness());
  });

  for (const stack of ["dev", "prod"]) {
    it(`${stack}: both jobs run as the stack's service principal, not as the deployer`, async () => {
      await runStack(h, stack);
      const sp = h.one("databricks:index/servicePrincipal:ServicePrincipal");
      expect(sp.inputs.displayName).to.equal(`pin-${stack}-jobs`);
      const jobs = h.ofType("databricks:index/job:Job");
      expect(jobs.map((j) => j.name).sort()).to.deep.equal([
        "databricks-batch-job",
        "databricks-streaming-job",
      ]);
      for (const job of jobs) {
        expect(job.inputs.runAs, job.name).to.deep.equal({ servicePrincipalName: SP_APP_ID });
      }
    });

    it(`${stack}: no notebook, file or dashboard is under /Shared; the stack's folder has explicit permissions`, async () => {
      await runStack(h, stack, {
        [`${NS}:databricks`]: { ...databricksOf(stack), dashboard: true, readersGroup: "analysts" },
      });
      const placed = [
        ...h.ofType("databricks:index/notebook:Notebook").map((r) => r.inputs.path),
        ...h.ofType("databricks:index/workspaceFile:WorkspaceFile").map((r) => r.inputs.path),
        ...h.ofType("databricks:index/file:File").map((r) => r.inputs.path),
        ...h.ofType("databricks:index/dashboard:Dashboard").map((r) => r.inputs.parentPath),
      ];
      expect(placed.length).to.be.greaterThan(3);
      const root = `/pinterest-pipeline/pin-${stack}`;
      for (const p of placed) {
        expect(p).to.not.match(/^\/(Workspace\/)?Shared\b/);
        expect(p.startsWith(root) || p.startsWith("/Volumes/"), p).to.equal(true);
      }
      expect(h.one("databricks:index/directory:Directory").inputs.path).to.equal(root);
      const folder = h
        .ofType("databricks:index/permissions:Permissions")
        .find((p) => p.inputs.directoryPath !== undefined)!;
      expect(folder.inputs).to.deep.include({
        directoryPath: root,
        accessControls: [
          { servicePrincipalName: SP_APP_ID, permissionLevel: "CAN_RUN" },
          { groupName: "analysts", permissionLevel: "CAN_READ" },
        ],
      });
      // Viewers query as themselves: no deployer credentials in the dashboard; readers may use
      // the warehouse.
      expect(h.one("databricks:index/dashboard:Dashboard").inputs.embedCredentials).to.equal(false);
      const warehouse = h
        .ofType("databricks:index/permissions:Permissions")
        .find((p) => p.inputs.sqlEndpointId !== undefined)!;
      expect(warehouse.inputs.accessControls).to.deep.equal([
        { groupName: "analysts", permissionLevel: "CAN_USE" },
      ]);
    });

    it(`${stack}: Unity Catalog grants for the run-as principal and the readers group`, async () => {
      await runStack(h, stack, {
        [`${NS}:databricks`]: { ...databricksOf(stack), readersGroup: "analysts" },
      });
      const schema = `main.pin_${stack}`;
      const grants = Object.fromEntries(
        h.ofType("databricks:index/grants:Grants").map((g) => [g.name, g.inputs]),
      );
      expect(grants["databricks-grants-schema"]).to.deep.equal({
        schema,
        grants: [
          { principal: SP_APP_ID, privileges: [...RUN_AS_PRIVILEGES.schema] },
          { principal: "analysts", privileges: ["USE_SCHEMA", "SELECT"] },
        ],
      });
      expect(grants["databricks-grants-rawVolume"]).to.deep.include({
        grants: [{ principal: SP_APP_ID, privileges: ["READ_VOLUME"] }],
      });
      expect(grants["databricks-grants-workVolume"]).to.deep.include({
        grants: [{ principal: SP_APP_ID, privileges: ["READ_VOLUME", "WRITE_VOLUME"] }],
      });
      expect(grants["databricks-grants-kinesisCredential"]).to.deep.equal({
        credential: `pin-${stack}-kinesis`,
        grants: [{ principal: SP_APP_ID, privileges: ["ACCESS"] }],
      });
      // The catalog is not the stack's: its grants are added one principal at a time.
      expect(h.ofType("databricks:index/grant:Grant").map((g) => g.inputs)).to.have.deep.members([
        { catalog: "main", principal: SP_APP_ID, privileges: ["USE_CATALOG"] },
        { catalog: "main", principal: "analysts", privileges: ["USE_CATALOG"] },
      ]);
    });

    it(`${stack}: with alerts.emails set, every alarm and both jobs notify them`, async () => {
      const emails = ["data-alerts@example.com", "oncall@example.com"];
      await runStack(h, stack, { [`${NS}:alerts`]: { emails } });
      expect(h.one("aws:sns/topic:Topic").inputs.name).to.equal(`pin-${stack}-alerts`);
      expect(
        h.ofType("aws:sns/topicSubscription:TopicSubscription").map((s) => s.inputs.endpoint),
      ).to.deep.equal(emails);
      const alarms = h.ofType("aws:cloudwatch/metricAlarm:MetricAlarm");
      // The stream path's 3×3 stream alarms and its API's two, the batch API's proxy health
      // alarm (the REST proxy on the Kafka client machine) and, in dev, the NAT instance's
      // recovery alarm, whose first action is EC2's recover (components/natInstance.ts).
      expect(alarms.length).to.equal(stack === "dev" ? 13 : 12);
      for (const alarm of alarms) {
        const recover = alarm.name === "network-nat-recover" ? [recoverAction(REGION)] : [];
        expect(alarm.inputs.alarmActions, alarm.name).to.deep.equal([...recover, TOPIC(stack)]);
        expect(alarm.inputs.okActions, alarm.name).to.deep.equal([TOPIC(stack)]);
      }
      for (const job of h.ofType("databricks:index/job:Job")) {
        expect(job.inputs.emailNotifications, job.name).to.deep.equal({
          onFailures: emails,
          onDurationWarningThresholdExceededs: emails,
          onStreamingBacklogExceededs: emails,
        });
      }
    });
  }

  it("prod sets a destination, so its running schedule has someone to tell", async () => {
    expect(readStackConfig("prod")[`${NS}:alerts`]).to.deep.equal({
      emails: ["data-alerts@example.com"],
    });
    await runStack(h, "prod");
    expect(h.byName("databricks-batch-job").inputs.schedule.pauseStatus).to.equal("UNPAUSED");
    for (const alarm of h.ofType("aws:cloudwatch/metricAlarm:MetricAlarm")) {
      expect(alarm.inputs.alarmActions, alarm.name).to.deep.equal([TOPIC("prod")]);
    }
    expect(h.byName("databricks-batch-job").inputs.emailNotifications.onFailures).to.deep.equal([
      "data-alerts@example.com",
    ]);
  });

  it("dev, whose schedules are paused, has no topic and no job mail", async () => {
    await runStack(h, "dev");
    expect(h.ofType("aws:sns/topic:Topic")).to.deep.equal([]);
    for (const job of h.ofType("databricks:index/job:Job")) {
      expect(job.inputs, job.name).to.not.have.property("emailNotifications");
    }
  });

  it("names an existing service principal by config instead of creating one", async () => {
    const appId = "01234567-89ab-4def-8123-456789abcdef";
    h.onInvoke("databricks:index/getServicePrincipal:getServicePrincipal", (inputs) => ({
      id: "4242",
      applicationId: inputs.applicationId,
    }));
    await runStack(h, "dev", {
      [`${NS}:databricks`]: { ...databricksOf("dev"), runAsApplicationId: appId },
    });
    expect(h.ofType("databricks:index/servicePrincipal:ServicePrincipal")).to.deep.equal([]);
    for (const job of h.ofType("databricks:index/job:Job")) {
      expect(job.inputs.runAs).to.deep.equal({ servicePrincipalName: appId });
    }
  });

  it("logs in with the deploying service principal's OAuth client, not a token", async () => {
    await runStack(h, "prod");
    const provider = h.one("pulumi:providers:databricks").inputs;
    expect(provider.clientId).to.equal("0a1b2c3d-0000-4000-8000-000000000001");
    expect(provider.clientSecret).to.equal("stack-secret-oauth");
    expect(provider).to.not.have.property("token");
  });

  // The provider's docs and Databricks' own Unity Catalog module wait between an IAM role and the
  // Databricks resource that validates it (IAM_PROPAGATION_WAIT's comment names both sources).
  it("waits for IAM propagation before Databricks validates a role, on both routes", async () => {
    await runStack(h, "dev");
    const wait = h.one("time:index/sleep:Sleep");
    expect(wait.inputs.createDuration).to.equal(IAM_PROPAGATION_WAIT);
    const deps = (name: string, type: string) => h.byName(name, type).dependsOn;
    expect(wait.dependsOn).to.include.members([
      h.byName("databricks-data", "aws:iam/role:Role").urn,
      h.byName("databricks-data", "aws:iam/rolePolicy:RolePolicy").urn,
    ]);
    expect(
      deps("databricks-location", "databricks:index/externalLocation:ExternalLocation"),
    ).to.include(wait.urn);

    const mount = withWorkspaceIdentity(harness());
    await runStack(mount, "dev", {
      [`${NS}:databricks`]: {
        ...databricksOf("dev"),
        storageRoute: "mount",
        crossAccountRoleName: "databricks-cross-account",
      },
    });
    const mountWait = mount.one("time:index/sleep:Sleep");
    expect(mountWait.dependsOn).to.include(
      mount.byName("databricks-pass-role", "aws:iam/rolePolicy:RolePolicy").urn,
    );
    expect(
      mount.byName("databricks-data", "databricks:index/instanceProfile:InstanceProfile").dependsOn,
    ).to.include(mountWait.urn);
    // The run-as principal may use the instance profile its job clusters carry.
    expect(
      mount.one("databricks:index/servicePrincipalRole:ServicePrincipalRole").inputs,
    ).to.have.property("role");
  });
});
