import { launchTemplateImds } from '../../../../lib/cli/rules/imds/launch-template-imds';
import { healthySnapshot, modelOf } from '../support/snapshot';

describe(launchTemplateImds.id, () => {
  test('is silent for a locked launch template', () => {
    expect(launchTemplateImds.evaluate(modelOf(healthySnapshot()))).toEqual([]);
  });

  test('names the launch template that gives future nodes hop limit 2', () => {
    const snapshot = healthySnapshot();
    snapshot.launchTemplates[0].LaunchTemplateData.MetadataOptions.HttpPutResponseHopLimit = 2;
    expect(launchTemplateImds.evaluate(modelOf(snapshot))).toEqual([
      expect.objectContaining({ subject: 'node group ng-1', field: 'launch template ng-1-lt@2 MetadataOptions.HttpPutResponseHopLimit' }),
    ]);
  });

  test('is not verifiable without launch-templates.json', () => {
    const snapshot = healthySnapshot();
    delete snapshot.launchTemplates;
    expect(launchTemplateImds.evaluate(modelOf(snapshot))).toEqual([expect.objectContaining({ verifiable: false })]);
  });
});
